"""Patient data: what is known about the patient a question is about, from wherever it came."""
