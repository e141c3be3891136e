"""What staff meet in the staff group, and the invitation link (registered in ``routes``)."""
