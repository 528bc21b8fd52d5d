"""Custom Rasa NLU components for Chinese: tokenizer, device ruler, entity merger."""
