"""Finding what a message asks: long, chatty and run-on messages cut into the parts that ask.

People write to the bot as they would speak to a clerk: a greeting, who they are, their
situation, then the question, thanks and prayers; a voice note typed out runs on with
و/بس/ثم and no punctuation at all.  Ranking the whole message lets the story outvote the
question.  So a message is cut into clauses and each clause is sorted:

* **social**: nothing but greetings, thanks, prayers and fillers («الله يجزاكم خير»);
* **story**: tells about the writer («انا ارملة وعندي ثلاث بنات», "I am a father of…")
  without asking;
* **asking**: has a question mark, a question word, a request to know («ابي اعرف»,
  "can I"), a condition («لو»,"if") or a report to check («قالوا لي», "I was told").

What is ranked is the asking clauses (else everything but the social ones).  A clause with
one content word borrows its neighbour («ابي اعرف» + «عن شروط التسجيل»).  Each asking clause
with words of its own is also a separate question, so two questions in one message can
both be answered.  These are facts about how people write, not about any guide.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.services.faq.arabic import fold, tokens
from bot.services.faq.lexicon import Lexicon, load_reading

__all__ = ["Clause", "Reading", "read_message"]

# Sentence ends and clause breaks: Arabic and Latin punctuation, line breaks, emoji runs.
_BREAK = re.compile(r"[.!?؟،,;؛\n\r…]+|[\U0001F300-\U0001FAFF\u2600-\u27BF]+|\s[-–—]\s")
MIN_WORDS = 1  # content words a clause needs to be a question of its own
RUN_ON = 14  # words after which a clause without punctuation is cut at its turns


@dataclass(frozen=True)
class Clause:
    text: str
    kind: str  # "asking", "story", "social" or "other"
    content: int  # words that are not fillers
    words: tuple[str, ...] = ()  # its folded words


@dataclass(frozen=True)
class Reading:
    clauses: list[Clause]
    query: str  # what to rank
    questions: list[str]  # each asking clause that stands alone, in order
    around: str = ""  # the rest of the message but greetings: it counts, less

    @property
    def chatty(self) -> bool:
        return any(c.kind in ("story", "social") for c in self.clauses)


def _parts(text: str) -> list[tuple[str, bool]]:
    """Return the text between breaks, each with whether a question mark ended it."""
    out = []
    start = 0
    for match in _BREAK.finditer(text):
        out.append((text[start : match.start()], "?" in match.group() or "؟" in match.group()))
        start = match.end()
    out.append((text[start:], False))
    return out


def _pieces(text: str) -> list[tuple[str, bool]]:
    """Return the clauses of a text, each with whether a question mark ended it."""
    known = load_reading()
    out: list[tuple[str, bool]] = []
    for part, marked in _parts(text):
        words = part.split()
        if len(words) <= RUN_ON:
            out.append((part, marked))
            continue
        # A run-on: cut before a discourse word or a question word after a few words.
        start = 0
        for i, word in enumerate(words):
            key = fold(word)
            turn = key in known.turns or _bare(key) in known.asking or key in known.asking
            if i - start >= 3 and turn:
                out.append((" ".join(words[start:i]), False))
                start = i
        out.append((" ".join(words[start:]), marked))
    return [(p.strip(), m) for p, m in out if p.strip()]


def _bare(word: str) -> str:
    """Return the word without a leading «و» or «ف» («وكمان», «فهل», «فمتى»)."""
    if word[:1] in ("و", "ف") and (len(word) > 3 or word[1:] in load_reading().asking):
        return word[1:]
    return word


def _kind(words: list[str], content: int, question_mark: bool) -> str:
    known = load_reading()
    bare = [_bare(w) for w in words]
    if question_mark or any(w in known.asking for w in (*words, *bare)):
        return "asking"
    if words and words[0] in known.opening_auxiliaries:
        return "asking"
    if content == 0 or all(w in known.social for w in words if w not in known.asking):
        return "social"
    if words and (words[0] in known.story_openers or bare[0] in known.story_openers):
        return "story"
    return "other"


def read_message(text: str, lexicon: Lexicon) -> Reading:
    """Return the message's clauses, what to rank, and the questions it holds."""
    social = load_reading().social
    clauses: list[Clause] = []
    for piece, marked in _pieces(text):
        words = tokens(piece)
        content = sum(1 for w in words if not lexicon.is_filler(w) and w not in social)
        clauses.append(Clause(piece, _kind(words, content, marked), content, tuple(words)))
    clauses = _tags_joined(clauses, lexicon)
    asking = [c for c in clauses if c.kind == "asking"]
    around = ""
    if asking:
        chosen = _joined(clauses)
        taken = " ".join(chosen)
        around = " ".join(c.text for c in clauses if c.kind != "social" and c.text not in taken)
    else:
        chosen = [c.text for c in clauses if c.kind != "social"] or [text]
    questions = _joined(clauses) if len(asking) > 1 else []
    return Reading(clauses, " ".join(chosen) if chosen else text, questions, around)


def _tags_joined(clauses: list[Clause], lexicon: Lexicon) -> list[Clause]:
    """Join each question tag («صحيح؟», «ينفع؟», "right?") to the clause before it.

    A tag asks about what was just said and has no subject of its own: ranked alone it
    finds nothing, and the clause it confirms, being a report or a story, would count less.
    """
    known = load_reading()
    last = max((i for i, c in enumerate(clauses) if c.kind != "social"), default=-1)
    out: list[Clause] = []
    for i, clause in enumerate(clauses):
        words = clause.words
        # «ابي اعرف» in the middle introduces what follows; at the end, or with «صح»,
        # it looks back.
        tag = (
            clause.kind == "asking"
            and bool(words)
            and (i == last or any(w in known.confirming for w in words))
            and all(
                w in known.asking
                or w in known.confirming
                or w in known.social
                or lexicon.is_filler(w)
                for w in words
            )
        )
        if tag and out and out[-1].kind != "social":
            before = out.pop()
            clause = Clause(
                f"{before.text} {clause.text}",
                "asking",
                before.content + clause.content,
                before.words + clause.words,
            )
        out.append(clause)
    return out


def _joined(clauses: list[Clause]) -> list[str]:
    """Return the asking clauses, each short one joined to the clause after it."""
    out: list[str] = []
    i = 0
    while i < len(clauses):
        clause = clauses[i]
        if clause.kind != "asking":
            i += 1
            continue
        text = clause.text
        words = clause.content
        j = i + 1
        while words < MIN_WORDS and j < len(clauses) and clauses[j].kind != "social":
            text = f"{text} {clauses[j].text}"
            words += clauses[j].content
            j += 1
        out.append(text)
        i = j
    return out
