"""The tutor: answers from the textbook with cited sections, offline or with one model call."""
