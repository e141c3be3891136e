"""Answering beneficiaries' questions from the guides: normalisation, ranking, outcomes."""
