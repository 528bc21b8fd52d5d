from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.tokenizer import CatalogJiebaTokenizer


def _tokens(tokenizer, text):
    message = Message(data={TEXT: text})
    tokenizer.process([message])
    return [(t.text, t.start, t.end) for t in message.get(TOKENS_NAMES[TEXT])]


def test_drops_whitespace_tokens_that_the_stock_tokenizer_keeps(
    model_storage, resource, execution_context
):
    ours = CatalogJiebaTokenizer.create({}, model_storage, resource, execution_context)
    stock = JiebaTokenizer.create(
        {**JiebaTokenizer.get_default_config()}, model_storage, resource, execution_context
    )
    text = "OnePlus 12 Pro 充不进电"
    assert any(not t.strip() for t, _, _ in _tokens(stock, text))
    assert _tokens(ours, text) == [
        ("OnePlus", 0, 7),
        ("12", 8, 10),
        ("Pro", 11, 14),
        ("充不进电", 15, 19),
    ]


def test_full_width_digits_become_half_width_tokens(model_storage, resource, execution_context):
    ours = CatalogJiebaTokenizer.create({}, model_storage, resource, execution_context)
    assert _tokens(ours, "电话１３９１２３４５６７８") == [("电话", 0, 2), ("13912345678", 2, 13)]


def test_trained_dictionary_is_persisted_and_loaded(
    model_storage, resource, execution_context, tmp_path
):
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    from bot.catalog import CATALOG_DIR

    for name in ("devices.yml", "faults.yml", "service_types.yml"):
        text = (CATALOG_DIR / name).read_text(encoding="utf-8")
        if name == "devices.yml":
            text = text.replace("aliases: [一加12,", "aliases: [一加一二型,一加12,")
        (catalog / name).write_text(text, encoding="utf-8")
    trained = CatalogJiebaTokenizer.create(
        {"catalog_dir": str(catalog)}, model_storage, resource, execution_context
    )
    trained.train(TrainingData())
    # The model keeps the dictionary it was trained with, even if the catalogue changes later.
    loaded = CatalogJiebaTokenizer.load({}, model_storage, resource, execution_context)
    assert "一加一二型" in loaded.words
    assert ("一加一二型", 0, 5) in _tokens(loaded, "一加一二型坏了")
