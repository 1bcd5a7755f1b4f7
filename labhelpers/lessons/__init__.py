"""Code that exists for a few lessons: each module's docstring opens with the lessons it serves
("Lesson 5 only:", "Lessons 5 and 6:"), the ones whose notebooks import it."""
