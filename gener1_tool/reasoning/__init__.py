"""Reasoning: the answer format (one owner), prompts, teachers and the reasoning-corpus filter."""
