"""spaCy entity-ruler patterns for device models, built from the catalogue.

Pure helpers (spaCy only, no Rasa), shared by the Rasa component and the trainer tools.
"""

from __future__ import annotations

from typing import Any

import spacy
from spacy.language import Language

from bot.catalog import Catalogue
from bot.intake.devices import typo_spellings
from bot.nlu.segmenter import get_segmenter, normalize_chars

DEVICE_LABEL = "device_model"


def alias_variants(alias: str) -> list[str]:
    """Spelling variants of one alias: half-width as written, without spaces, common typos."""
    base = normalize_chars(alias).strip()
    spellings = [base, *typo_spellings(base)]
    variants = {v: None for s in spellings for v in (s, s.replace(" ", ""))}
    return [v for v in variants if v]


def device_patterns(catalogue: Catalogue) -> list[dict[str, Any]]:
    """One phrase pattern per spelling of every device name and alias."""
    patterns: list[dict[str, Any]] = []
    for device in catalogue.devices:
        for name in device.names:
            for variant in alias_variants(name):
                patterns.append({"label": DEVICE_LABEL, "pattern": variant, "id": device.id})
    return patterns


def build_ruler_pipeline(patterns: list[dict[str, Any]], words: tuple[str, ...]) -> Language:
    """A blank ``zh`` pipeline segmenting with the catalogue-aware jieba, plus an entity ruler.

    Matching is on lower-cased token text, so "ONEPLUS 12" and "oneplus 12" match as well.
    """
    # Built with spaCy's character segmenter, then switched to jieba: asking spaCy for jieba
    # would initialise jieba's global dictionary too (about 2 s at every model load) only to
    # be replaced. Segment exactly as the Rasa tokenizer does (same user words, dedicated
    # jieba instance).
    nlp = spacy.blank("zh")
    tokenizer: Any = nlp.tokenizer
    tokenizer.jieba_seg = get_segmenter(words)
    tokenizer.segmenter = "jieba"
    ruler: Any = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    ruler.add_patterns(patterns)
    return nlp


def find_devices(nlp: Language, text: str) -> list[dict[str, Any]]:
    """Return ``{"start", "end", "text", "device_id"}`` for every device named in ``text``."""
    doc = nlp(normalize_chars(text))
    return [
        {
            "start": ent.start_char,
            "end": ent.end_char,
            "text": text[ent.start_char : ent.end_char],
            "device_id": ent.ent_id_,
        }
        for ent in doc.ents
        if ent.label_ == DEVICE_LABEL
    ]
