"""loom: transformer models from GGUF files and Hugging Face folders, run by loom's C++ engine.

    import loom
    model = loom.Model()                                   # the default model, as `loom run` finds it
    print(model.generate("The three primary colors are", max_tokens=32, temperature=0).text)
    for piece in model.stream("Once upon a time", max_tokens=32):
        print(piece, end="", flush=True)
    vectors = loom.Model("models/all-MiniLM-L6-v2").embed(["a sentence", "another"])  # np.ndarray [2, 384]

Every call that computes releases the GIL; Ctrl-C stops a long call (KeyboardInterrupt) between tokens or
batches; loom's errors are raised as loom.LoomError with loom's message. `loom.ray` adapts a model to Ray Data.
"""

from ._loom import LoomError
from ._model import Completion, Model, TokenProbability, Tokens

__all__ = ["Model", "Completion", "TokenProbability", "Tokens", "LoomError"]
__version__ = "0.1.0"
