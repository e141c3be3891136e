"""What a beneficiary meets in a private chat with the bot (registered in ``routes``)."""
