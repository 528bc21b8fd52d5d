from bot.nlu.entity_merger import DEFAULT_PRIORITY, merge_entities


def _e(entity, start, end, extractor, value="x"):
    return {"entity": entity, "start": start, "end": end, "extractor": extractor, "value": value}


def test_higher_priority_extractor_wins_an_overlap():
    diet = _e("device_model", 2, 4, "DIETClassifier", "一加")
    ruler = _e("device_model", 2, 6, "DeviceEntityRuler", "oneplus-12")
    assert merge_entities([diet, ruler], DEFAULT_PRIORITY) == [ruler]


def test_regex_beats_diet_across_entity_types():
    diet_phone = _e("phone_number", 0, 11, "DIETClassifier")
    regex_imei = _e("serial_number", 0, 15, "RegexEntityExtractor")
    assert merge_entities([diet_phone, regex_imei], DEFAULT_PRIORITY) == [regex_imei]


def test_longer_span_wins_within_one_extractor_and_order_is_textual():
    short = _e("city", 10, 12, "DIETClassifier")
    long = _e("city", 10, 13, "DIETClassifier")
    first = _e("device_model", 0, 4, "DIETClassifier")
    assert merge_entities([short, long, first], DEFAULT_PRIORITY) == [first, long]


def test_entities_without_spans_are_kept():
    button = {"entity": "service_type", "value": "mail_in"}
    assert merge_entities([button], DEFAULT_PRIORITY) == [button]


def test_format_defined_entities_only_come_from_their_patterns():
    from bot.nlu.entity_merger import DEFAULT_PATTERN_ONLY

    diet_phone = _e("phone_number", 2, 4, "DIETClassifier", "13")
    regex_phone = _e("phone_number", 10, 21, "RegexEntityExtractor", "13912345678")
    diet_city = _e("city", 30, 32, "DIETClassifier", "成都")
    merged = merge_entities(
        [diet_phone, regex_phone, diet_city], DEFAULT_PRIORITY, DEFAULT_PATTERN_ONLY
    )
    assert merged == [regex_phone, diet_city]
