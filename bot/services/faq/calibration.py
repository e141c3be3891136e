"""The confidence model's weights and the two thresholds, fitted on the dev halves.

``python -m bench.faq_calibrate`` fits a logistic regression of "the guides answer this
question and the best passage is the answer" on the signals of the best passage
(``answerer.Signals``) over the dev halves of the blind sets and the seed tuning sets,
prints the table of thresholds against top-1, wrongly refused and unanswerable handed to
a person, and the fitted values, which are copied here.  Nothing here names a word.
"""

BIAS = -2.482
WEIGHTS = {
    "coverage": 1.709,
    "cosine": 1.139,
    "cosine_margin": 0.526,
    "lexical_margin": 1.543,
    "agree": 0.546,
    "known": 1.400,
}
# At or above CONFIDENT the passage is the answer; from POSSIBLE "Did you mean…" offers the
# best three; below it the guides do not answer and a person is offered.  POSSIBLE is set
# low on purpose: a wrong refusal costs the beneficiary more than three choices do (the
# table in the README shows what each threshold trades).
CONFIDENT = 0.6
POSSIBLE = 0.3
