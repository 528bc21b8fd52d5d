"""Where the training inputs, held-out data and models live."""

from __future__ import annotations

from bot.settings import PROJECT_ROOT

CONFIG = PROJECT_ROOT / "config.yml"
DOMAIN = PROJECT_ROOT / "domain.yml"
DATA_DIR = PROJECT_ROOT / "bot" / "data"
# Training data: everything in bot/data except the held-out split and the catalogues.
TRAINING_DATA = [DATA_DIR / "nlu", DATA_DIR / "rules", DATA_DIR / "stories"]
HELDOUT = DATA_DIR / "heldout" / "nlu.yml"
CONVERSATION_TESTS = PROJECT_ROOT / "tests" / "conversations" / "stories"
MODELS_DIR = PROJECT_ROOT / "bot" / "models"
MODEL_NAME = "shouhou"
MODEL_FILE = MODELS_DIR / f"{MODEL_NAME}.tar.gz"
FINGERPRINT_FILE = MODELS_DIR / f"{MODEL_NAME}.fingerprint"
# Code whose changes change what a trained model does.
NLU_CODE_DIR = PROJECT_ROOT / "bot" / "nlu"
REPORTS_DIR = PROJECT_ROOT / "reports"
