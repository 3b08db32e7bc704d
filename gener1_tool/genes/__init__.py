"""Genes: the gene-set contract, symbol hygiene and gene-set readers."""

from .geneset import GeneSet, SymbolChange

__all__ = ["GeneSet", "SymbolChange"]
