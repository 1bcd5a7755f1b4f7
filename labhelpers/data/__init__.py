"""Datasets for the lessons: generated ones here, real ones loaded offline."""
