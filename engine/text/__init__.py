"""Text tools: the ``Vocabulary`` tokenizer and text generation from a trained model."""
