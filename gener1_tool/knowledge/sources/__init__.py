"""Built-in knowledge sources, registered through the same hook third-party plugins use."""

from ...hookspecs import hookimpl
from .base import KnowledgeSource
from .corum import CorumComplexes
from .ctd import CtdChemicalGene, CtdGeneDisease
from .gaf import GafAnnotations
from .gmt import GmtGeneSets
from .go import GODbSqlite, GOObo
from .hpo import HpoGenePhenotype
from .ncbi import NcbiGene2Go, NcbiGeneInfo, OrgDbSqlite
from .panther import PantherClassification
from .uniprot import UniProtFlatFile

BUILTIN_SOURCES = (GODbSqlite, GOObo, OrgDbSqlite, NcbiGeneInfo, NcbiGene2Go, GafAnnotations, GmtGeneSets,
                   CorumComplexes, CtdChemicalGene, CtdGeneDisease, PantherClassification, UniProtFlatFile,
                   HpoGenePhenotype)

__all__ = ["KnowledgeSource", *(cls.__name__ for cls in BUILTIN_SOURCES)]


@hookimpl
def register_knowledge_sources(register):
    for cls in BUILTIN_SOURCES:
        register(cls)
