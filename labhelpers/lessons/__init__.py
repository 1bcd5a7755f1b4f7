"""Code that exists for a few lessons: each module's docstring opens with the lessons it serves
("Lesson 4 only:", "Lessons 4 and 12:"), the ones whose notebooks import it."""
