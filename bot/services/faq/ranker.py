"""A lexical ranker for short questions against short passages, built for Arabic.

Each word of a question becomes a *concept*: the word's stems, its skeletons (trusted
less), the words the lexicon says mean the same, and, for a misspelt word the guides
never use, the guides' words that look most like it.  A passage scores BM25 per concept,
taking the concept's best alternative, so a word counts once however many ways it
matched.

Besides the score, the ranker reports *coverage*: the share of the question's concepts,
weighted by how specific they are, that the passage matches.  A word the guides never use
weighs as much as the rarest word they do: «الاوراق المطلوبة للتسجيل» matches «المطلوبة»
and «التسجيل» in a passage about completing registration, but not the documents the
question is about, and coverage says so where a raw score would not.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from bot.services.faq.arabic import is_arabic_word, skeletons, tokens, variants
from bot.services.faq.lexicon import Lexicon, english_stem, key_of, load_reading

__all__ = ["Concept", "Entry", "Hit", "Index", "Ranking"]

K1 = 1.2
B = 0.75
SECOND_STEM = 0.9
SKELETON = 0.7
SYNONYM = 0.85
SYNONYM_SKELETON = 0.6
FUZZY = 0.8
FUZZY_MIN = 0.72
MAX_QUESTION_WORDS = 60
PHRASE_WORD = 0.6  # one word of a phrase the lexicon knows, found alone
ALSO = 0.25
PAIR = 0.5  # neighbouring question words side by side in the passage
PAIR_ALTERNATIVES = 12
AROUND = 0.35  # the share of a word from the message around the question
COVERAGE_FLOOR = 0.0  # the order: the score, scaled from half to whole by coverage

Alt = tuple[str, str]  # ("s", stem), ("k", skeleton) or ("p", "stem stem") side by side


@dataclass(frozen=True)
class Entry:
    """A passage to index: its key and its texts (a body, or a card's phrasings)."""

    key: int
    texts: tuple[str, ...]


@dataclass
class Concept:
    word: str
    alternatives: dict[Alt, float] = field(default_factory=dict)
    share: float = 1.0  # how much it counts: less for the words around the question

    def add(self, alt: Alt, weight: float) -> None:
        if weight > self.alternatives.get(alt, 0.0):
            self.alternatives[alt] = weight


@dataclass(frozen=True)
class Hit:
    key: int
    score: float
    coverage: float


@dataclass
class Ranking:
    hits: list[Hit]
    concepts: list[Concept]
    unknown: list[str]  # the question's words no guide uses, in any form


def _terms(token: str) -> Iterable[Alt]:
    if not is_arabic_word(token):
        yield ("s", english_stem(token))
        return
    for stem in variants(token):
        yield ("s", stem)
    for key in skeletons(token):
        yield ("k", key)


def _stems_of(token: str) -> tuple[str, ...]:
    return variants(token) if is_arabic_word(token) else (english_stem(token),)


def _pair(a: str, b: str) -> Alt:
    """Return the term of two stems side by side, in either order («طلب دعم», «دعم طلب»)."""
    return ("p", f"{a} {b}" if a <= b else f"{b} {a}")


def _side_by_side(words: Sequence[str]) -> Iterable[Alt]:
    for left, right in pairwise(words):
        for a in _stems_of(left):
            for b in _stems_of(right):
                yield _pair(a, b)


def _trigrams(word: str) -> set[str]:
    padded = f"#{word}#"
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


class Index:
    """BM25 over stems and skeletons, one document per passage text."""

    def __init__(self, entries: Sequence[Entry], lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self.keys: list[int] = []
        self.lengths: list[int] = []
        postings: dict[Alt, list[tuple[int, int]]] = defaultdict(list)
        for entry in entries:
            for text in entry.texts:
                words = [w for w in tokens(text)[:5000] if not lexicon.is_filler(w)]
                counts: Counter[Alt] = Counter()
                for word in words:
                    counts.update(set(_terms(word)))
                view = len(self.keys)
                self.keys.append(entry.key)
                self.lengths.append(max(1, len(words)))
                counts.update(_side_by_side(words))
                for alt, tf in counts.items():
                    postings[alt].append((view, tf))
        self.postings = dict(postings)
        self.views = len(self.keys)
        self.average = sum(self.lengths) / self.views if self.views else 1.0
        self.unknown_idf = self._idf(0)
        self.trigrams: dict[str, list[str]] = defaultdict(list)
        for kind, term in self.postings:
            if kind == "s" and len(term) >= 4:
                for gram in _trigrams(term):
                    self.trigrams[gram].append(term)

    def _idf(self, df: int) -> float:
        return math.log(1 + (self.views - df + 0.5) / (df + 0.5))

    def idf(self, alt: Alt) -> float:
        return self._idf(len(self.postings.get(alt, ())))

    def knows(self, word: str) -> bool:
        """Tell whether a folded word is a guide's word, a filler or a lexicon word."""
        if self.lexicon.is_filler(word) or self.lexicon.groups_of((key_of(word),)):
            return True
        return self.uses(word)

    def uses(self, word: str) -> bool:
        """Tell whether a guide uses the folded word (in any of its stems)."""
        return any(("s", stem) in self.postings for stem in _stems_of(word))

    def concepts(self, question: str) -> list[Concept]:
        """Return the question's concepts: its content words and phrases, expanded."""
        words = tokens(question)[:MAX_QUESTION_WORDS]
        lexicon = self.lexicon
        found: list[Concept] = []
        i = 0
        while i < len(words):
            for n in (3, 2):
                keys = tuple(key_of(w) for w in words[i : i + n])
                groups = lexicon.groups_of(keys) if len(keys) == n else []
                if groups:
                    concept = Concept(" ".join(words[i : i + n]))
                    self._expand(concept, groups)
                    own = [w for w in words[i : i + n] if not lexicon.is_filler(w)]
                    for word in own:  # the phrase's own words count, side by side most
                        for stem in _stems_of(word):
                            concept.add(("s", stem), PHRASE_WORD)
                    for alt in _side_by_side(own):
                        concept.add(alt, 1.0)
                    found.append(concept)
                    i += n
                    break
            else:
                word = words[i]
                i += 1
                if lexicon.is_filler(word) or (len(word) == 1 and not word.isdigit()):
                    continue
                if word.isdigit() and ("s", word) not in self.postings:
                    continue  # an ID or phone number typed along, not what is asked about
                concept = Concept(word)
                for alt in _terms(word):
                    weight = 1.0 if alt == ("s", key_of(word)) else SECOND_STEM
                    concept.add(alt, weight if alt[0] == "s" else SKELETON)
                self._expand(concept, lexicon.groups_of((key_of(word),)))
                if not any(alt in self.postings for alt in concept.alternatives):
                    self._fuzzy(concept, key_of(word))
                found.append(concept)
        return found

    def _expand(self, concept: Concept, groups: list[int]) -> None:
        for group in groups:
            for member in self.lexicon.groups[group]:
                raw = tokens(member)
                words = [w for w in raw if not self.lexicon.is_filler(w)]
                # «من موقعه» stands for «موقعه»; but «كم يوم» asks a duration, and «يوم»
                # alone is not one.
                asking = any(w in self.lexicon.question_words for w in raw)
                if len(words) == 1 and not asking:
                    for alt in _terms(words[0]):
                        concept.add(alt, SYNONYM if alt[0] == "s" else SYNONYM_SKELETON)
                # A phrase («الموقع الالكتروني») means its words side by side, not each
                # word anywhere: «الموقع» alone is also «من موقعه».
                for alt in _side_by_side(words):
                    concept.add(alt, SYNONYM)

    def _fuzzy(self, concept: Concept, stem: str) -> None:
        if len(stem) < 4 or stem.isdigit():
            return
        grams = _trigrams(stem)
        shared: Counter[str] = Counter()
        for gram in grams:
            shared.update(self.trigrams.get(gram, ()))
        for term, common in shared.items():
            dice = 2 * common / (len(grams) + len(_trigrams(term)))
            if dice >= FUZZY_MIN:
                concept.add(("s", term), FUZZY * dice)

    def _pairs(self, concepts: list[Concept]) -> dict[int, float]:
        """Return a bonus per view for neighbouring question words found side by side."""
        bonus: dict[int, float] = defaultdict(float)
        for first, second in pairwise(concepts):
            found: dict[int, float] = {}
            for a, wa in self._stems(first):
                for b, wb in self._stems(second):
                    views = self.postings.get(_pair(a, b))
                    if not views:
                        continue
                    gain = PAIR * min(wa, wb) * (self.idf(("s", a)) + self.idf(("s", b))) / 2
                    for view, _ in views:
                        if gain > found.get(view, 0.0):
                            found[view] = gain
            for view, gain in found.items():
                bonus[view] += gain
        return bonus

    def _stems(self, concept: Concept) -> list[tuple[str, float]]:
        stems = [
            (alt[1], w)
            for alt, w in concept.alternatives.items()
            if alt[0] == "s" and alt in self.postings
        ]
        return sorted(stems, key=lambda s: -s[1])[:PAIR_ALTERNATIVES]

    def search(self, question: str, limit: int = 5, around: str = "") -> Ranking:
        """Return the best passages for question, best first.

        ``around`` is the rest of the message (the writer's situation): its words count
        with a share of ``AROUND``, so the story helps without outvoting the question.
        """
        concepts = self.concepts(question)
        asked = {c.word for c in concepts}
        context = [c for c in self.concepts(around) if c.word not in asked] if around else []
        for concept in context:
            concept.share = AROUND
        scores: dict[int, float] = defaultdict(float)
        covered: dict[int, float] = defaultdict(float)
        total = 0.0
        unknown: list[str] = []
        manner = load_reading().vocabulary
        for concept in (*concepts, *context):
            present = [alt for alt in concept.alternatives if alt in self.postings]
            share = concept.share
            if not present and concept.word in manner:
                continue  # a word of how people write («المهم», "right"), not of what they ask
            if not present:
                if share == 1.0:
                    unknown.append(concept.word)
                total += self.unknown_idf * share
                continue
            # How specific the concept is: by the form it matches best (the word itself
            # before a synonym), not by its rarest synonym.
            weight = share * self.idf(
                max(present, key=lambda a: (concept.alternatives[a], -self.idf(a)))
            )
            total += weight
            best: dict[int, tuple[float, float]] = {}
            extra: dict[int, float] = defaultdict(float)
            for alt in present:
                w = concept.alternatives[alt]
                idf = self.idf(alt)
                for view, tf in self.postings[alt]:
                    norm = K1 * (1 - B + B * self.lengths[view] / self.average)
                    score = w * idf * tf * (K1 + 1) / (tf + norm)
                    if alt[0] != "k":
                        extra[view] += score
                    old = best.get(view)
                    if old is None or score > old[0]:
                        best[view] = (score, max(w, old[1]) if old else w)
                    elif w > old[1]:
                        best[view] = (old[0], w)
            for view, (score, w) in best.items():
                # The best form counts whole; other words of the concept found in the
                # same passage («القنوات» and «التواصل» for "ways to contact") a little.
                scores[view] += share * (score + ALSO * max(0.0, extra[view] - score))
                covered[view] += weight * w
        for group, share in ((concepts, 1.0), (context, AROUND)):
            for view, bonus in self._pairs(group).items():
                if view in scores:
                    scores[view] += share * bonus
        by_key: dict[int, Hit] = {}
        for view, score in scores.items():
            key = self.keys[view]
            coverage = covered[view] / total if total else 0.0
            hit = Hit(key, score * (COVERAGE_FLOOR + (1 - COVERAGE_FLOOR) * coverage), coverage)
            old_hit = by_key.get(key)
            if old_hit is None or (hit.score, hit.coverage) > (old_hit.score, old_hit.coverage):
                by_key[key] = hit
        hits = sorted(by_key.values(), key=lambda h: (-h.score, h.key))[:limit]
        return Ranking(hits, [*concepts, *context], unknown)
