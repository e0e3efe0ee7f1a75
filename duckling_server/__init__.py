"""Duckling HTTP service: the real (compiled Haskell) Duckling behind the same `POST /parse` API
as the official `rasa/duckling` container, used by Rasa's DucklingEntityExtractor and `business.understanding.duckling`."""
