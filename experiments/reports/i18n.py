"""English and Vietnamese strings and number formats of the reports and charts.

Every string has an English and a Vietnamese version under the same key; :func:`t`
looks one up. The Vietnamese strings use the terms of the plan itself (Decision
2257/QĐ-UBND): "thị trường khoa học và công nghệ", "giá trị giao dịch hàng hóa khoa
học và công nghệ", "tỷ trọng giao dịch tài sản trí tuệ", "tỷ trọng giao dịch các công
nghệ", "tổ chức trung gian", "nhiệm vụ", "kết quả nghiên cứu", "số hóa".

Numbers: English uses a decimal point and a comma between thousands (1,234.56), and
"5 %"; Vietnamese a decimal comma and a point between thousands (1.234,56), and "5%".
Negative numbers use the minus sign U+2212.
"""

from __future__ import annotations

import math

LANGS = ("en", "vi")
MINUS = "\u2212"
DASH = "\u2013"

#: key -> (English, Vietnamese)
_STRINGS: dict[str, tuple[str, str]] = {
    # ---- indicators -----------------------------------------------------------------------
    "ind.value": ("Transaction value (bn VND, 2021 prices)",
                  "Giá trị giao dịch hàng hóa KH&CN (tỷ đồng, giá năm 2021)"),
    "ind.value_nominal": ("Transaction value (bn VND, nominal)",
                          "Giá trị giao dịch hàng hóa KH&CN (tỷ đồng, giá hiện hành)"),
    "ind.count": ("Number of transactions", "Số giao dịch"),
    "ind.ip_share": ("IP-asset share of transaction value",
                     "Tỷ trọng giao dịch tài sản trí tuệ"),
    "ind.tech_share": ("Technology share of transaction value",
                       "Tỷ trọng giao dịch các công nghệ"),
    "ind.research_origin_share": (
        "Share from research institutes and universities",
        "Tỷ trọng giao dịch có nguồn gốc từ viện nghiên cứu, trường đại học"),
    "ind.intermediaries_connected": (
        "Intermediaries connected to the national network",
        "Số tổ chức trung gian kết nối vào mạng lưới quốc gia"),
    "ind.intermediaries_active": ("Intermediaries active", "Số tổ chức trung gian đang hoạt động"),
    "ind.digitised_share": (
        "Digitised share of research results with commercial potential",
        "Tỷ lệ kết quả nghiên cứu có tiềm năng thương mại hóa được số hóa"),
    # ---- units and axes -------------------------------------------------------------------
    "unit.bn_vnd": ("bn VND", "tỷ đồng"),
    "unit.share": ("share of transaction value", "tỷ trọng trong tổng giá trị giao dịch"),
    "unit.count": ("number", "số lượng"),
    "unit.rate": ("growth per year", "tốc độ tăng mỗi năm"),
    "unit.index": ("index", "chỉ số"),
    "unit.per_year": ("/yr", "/năm"),
    "axis.year": ("year", "năm"),
    "axis.digitised_share": ("digitised share of results", "tỷ lệ kết quả được số hóa"),
    # ---- targets (each target's own label and reading come from its targets file) -----
    "target.all_targets": ("All targets in the same run",
                           "Đạt tất cả mục tiêu trong cùng một lần chạy"),
    # ---- report: title and headings -------------------------------------------------------
    "title": ("{plan}: probability of meeting the targets",
              "{plan}: xác suất đạt các mục tiêu"),
    "h.how_to_read": ("How to read this report", "Cách đọc báo cáo"),
    "h.key_answer": ("The answer in brief", "Kết luận chính"),
    "h.targets": ("Probability of meeting each target", "Xác suất đạt từng mục tiêu"),
    "h.comparisons": ("Comparison of scenarios over the same runs",
                      "So sánh các kịch bản trên cùng các lần chạy"),
    "h.value_difference": ("Difference in transaction value",
                           "Chênh lệch giá trị giao dịch"),
    "h.figures": ("Fan charts", "Biểu đồ hình quạt"),
    "h.definitions": ("Target definitions", "Định nghĩa các mục tiêu"),
    "h.provenance": ("Provenance", "Thông tin về lần tính toán"),
    # ---- report: paragraphs ---------------------------------------------------------------
    "read.intro": (
        "This report assesses the targets of {plan} with an agent-based model of the "
        "province's science and technology (S&T) market. Each probability is the share of "
        "the {runs} Monte Carlo runs of a scenario in which the target is met. The runs "
        "differ in the uncertain parameters, drawn as a Latin hypercube under the parameter "
        "setting \u201c{world}\u201d, and in their random seeds; every scenario uses the "
        "same runs, so scenarios are compared run by run. The range in brackets is the 95 % "
        "Wilson interval of the probability. The budget of each task group in a scenario is "
        "an assumption: the plan publishes no budget per task group. Province profile: "
        "{profile}.",
        "Báo cáo này đánh giá các mục tiêu của {plan} bằng một mô hình dựa trên tác tử "
        "(agent-based) của thị trường khoa học và công nghệ trên địa bàn tỉnh. Mỗi xác suất là "
        "tỷ lệ số lần chạy Monte Carlo đạt mục tiêu trong {runs} lần chạy của một kịch bản. "
        "Các lần chạy khác nhau ở các tham số bất định, được lấy mẫu siêu khối Latinh (Latin "
        "hypercube) theo thiết lập tham số \u201c{world}\u201d, và ở giá trị khởi tạo ngẫu "
        "nhiên (seed); mọi kịch bản dùng chung các lần chạy này, nên các kịch bản được so "
        "sánh theo từng lần chạy. Khoảng trong ngoặc là khoảng tin cậy Wilson 95% của xác "
        "suất. Kinh phí của từng nhóm nhiệm vụ trong mỗi kịch bản là giả định: Kế hoạch "
        "không công bố kinh phí cho từng nhóm nhiệm vụ. Hồ sơ tỉnh: {profile}."),
    "read.scenarios": ("Scenarios: {items}.", "Các kịch bản: {items}."),
    "read.areas": ("The targets are scored on the buyers of: {scored}.",
                   "Các mục tiêu được đánh giá trên giao dịch của doanh nghiệp thuộc: {scored}."),
    "read.merger_on": (
        "The merger of the areas' markets from {month} is assumed, as the profile declares "
        "it.",
        "Thị trường các vùng sáp nhập từ {month} là một giả định, theo hồ sơ tỉnh."),
    "read.merger_off": (
        "The merger is left out: the counterfactual of each area staying its own market to "
        "the end.",
        "Không tính việc sáp nhập: giả định đối chứng, mỗi vùng là một thị trường riêng "
        "đến cuối kỳ."),
    "read.stopping": (
        "Runs were added until every 95 % interval had a half-width of at most {half_width}, "
        "up to {max_runs} runs per scenario; {outcome}.",
        "Số lần chạy được tăng dần cho đến khi mọi khoảng tin cậy 95% có nửa độ rộng không "
        "quá {half_width}, tối đa {max_runs} lần chạy cho mỗi kịch bản; {outcome}."),
    "read.stopping_reached": ("that precision was reached",
                              "độ chính xác này đã đạt được"),
    "read.stopping_capped": ("the cap was reached first, so some intervals are wider",
                             "đã chạm mức tối đa trước, nên một số khoảng rộng hơn"),
    "key.scenario": (
        "{scenario}: {k} of {n} targets likely or better (probability at least 0.66); all "
        "targets together in the same run: {p}.",
        "{scenario}: {k}/{n} mục tiêu có khả năng đạt trở lên (xác suất từ 0,66); xác suất "
        "đạt đồng thời tất cả mục tiêu trong cùng một lần chạy: {p}."),
    "key.rule": (
        "The words are the IPCC AR6 likelihood scale (section “How probabilities are "
        "put in words”), applied to the estimate; the 95 % interval stands beside it.",
        "Từ ngữ theo thang khả năng của IPCC AR6 (mục “Cách diễn đạt xác suất bằng "
        "lời”), áp dụng cho giá trị ước lượng; khoảng tin cậy 95% đặt bên cạnh."),
    "targets.intro": (
        "Probability that the target is met, with its 95 % interval, in each scenario.",
        "Xác suất đạt mục tiêu, kèm khoảng tin cậy 95%, theo từng kịch bản."),
    "interpretation": (
        "† Interpretation: the plan's text does not fix this target; the model scores the "
        "reading given under \u201cTarget definitions\u201d, and the probability depends on "
        "that reading.",
        "† Cách hiểu: văn bản Kế hoạch không xác định rõ mục tiêu này; mô hình đánh giá theo "
        "cách hiểu nêu ở mục \u201cĐịnh nghĩa các mục tiêu\u201d, và xác suất phụ thuộc vào "
        "cách hiểu đó."),
    # ---- comparisons ----------------------------------------------------------------------
    "cmp.heading": ("{a} vs {b}", "{a} so với {b}"),
    "cmp.intro": (
        "A = {a}; the reference B = {b}; {runs} paired runs. The difference is P(A) − P(B): "
        "positive when A meets the target more often. The McNemar p-value is exact and "
        "two-sided.",
        "A = {a}; kịch bản đối chiếu B = {b}; {runs} cặp lần chạy. Chênh lệch là "
        "P(A) − P(B): dương khi A đạt mục tiêu nhiều hơn. Giá trị p của kiểm định McNemar là "
        "chính xác, hai phía."),
    "cmp.excludes_zero": (
        "The 95 % interval of the difference excludes 0 for: {items}.",
        "Khoảng tin cậy 95% của chênh lệch không chứa 0 đối với: {items}."),
    "cmp.none": (
        "For no target does the 95 % interval of the difference exclude 0: these runs do not "
        "separate the two scenarios.",
        "Không có mục tiêu nào mà khoảng tin cậy 95% của chênh lệch không chứa 0: các lần "
        "chạy này chưa phân biệt được hai kịch bản."),
    "cmp.a_higher": ("{target} (A higher)", "{target} (A cao hơn)"),
    "cmp.b_higher": ("{target} (B higher)", "{target} (B cao hơn)"),
    # ---- value difference -----------------------------------------------------------------
    "vd.intro": (
        "Nominal transaction value of A minus B in the same run, billion VND: its "
        "distribution over the paired runs.",
        "Giá trị giao dịch (giá hiện hành) của A trừ B trong cùng một lần chạy, tỷ đồng: "
        "phân bố trên các cặp lần chạy."),
    "vd.pair_intro": ("A = {a}; B = {b}; {runs} paired runs; billion VND.",
                      "A = {a}; B = {b}; {runs} cặp lần chạy; tỷ đồng."),
    "vd.sentence": (
        "In {year}, the share of runs in which {a} has the higher value is {share}; the "
        "median difference (A − B) is {median} bn VND.",
        "Năm {year}, tỷ lệ số lần chạy mà {a} có giá trị cao hơn là {share}; chênh lệch "
        "trung vị (A − B) là {median} tỷ đồng."),
    # ---- figures --------------------------------------------------------------------------
    "fig.fan_charts": (
        "Fan charts of the target indicators: each scenario's median, middle 50 % and 90 % of "
        "the runs, with the targets; the intermediary target as the probability, year by "
        "year, of having a connected intermediary, with its 95 % interval.",
        "Biểu đồ hình quạt của các chỉ tiêu mục tiêu: trung vị, 50% và 90% số lần chạy của "
        "mỗi kịch bản, cùng các mục tiêu; mục tiêu về tổ chức trung gian được thể hiện bằng "
        "xác suất có tổ chức trung gian được kết nối theo từng năm, kèm khoảng tin cậy 95%."),
    "fan.title": ("Target indicators over the Monte Carlo runs",
                  "Các chỉ tiêu mục tiêu qua các lần chạy Monte Carlo"),
    "legend.median": ("median", "trung vị"),
    "legend.band50": ("50 % band (q25–q75)", "dải 50% (q25–q75)"),
    "legend.band90": ("90 % band (q05–q95)", "dải 90% (q05–q95)"),
    "legend.target": ("target", "mục tiêu"),
    "legend.path": ("growth path the median must follow",
                    "đường tăng trưởng trung vị cần đạt"),
    "legend.key": ("Each scenario: median (line), middle 50 % of runs (fill), 90 % of runs "
                   "(dashed outline)",
                   "Mỗi kịch bản: trung vị (đường liền), 50% số lần chạy ở giữa (vùng tô), 90% "
                   "số lần chạy (đường viền nét đứt)"),
    "legend.prob": ("probability of meeting the target by year, 95 % interval (fill)",
                    "xác suất đạt mục tiêu theo năm, khoảng tin cậy 95% (vùng tô)"),
    "legend.target_past": ("target in the past (history)", "mục tiêu đã qua (lịch sử)"),
    "legend.history": ("history: years before {year}", "lịch sử: các năm trước {year}"),
    "chart.target": ("{year}: {crit}", "{year}: {crit}"),
    "chart.growth": ("{base}–{year}: {crit}", "{base}–{year}: {crit}"),
    "chart.prob_title": ("{name}: probability of {crit}", "{name}: xác suất {crit}"),
    "chart.probability": ("probability", "xác suất"),
    "legend.path_run": ("growth path from the run's base-year value",
                        "đường tăng trưởng từ giá trị năm gốc của lần chạy"),
    "single.title": ("{profile}: one run, seed {seed}",
                     "{profile}: một lần chạy, giá trị khởi tạo ngẫu nhiên (seed) {seed}"),
    # ---- definitions ----------------------------------------------------------------------
    "def.criterion": ("Criterion: {criterion}, in {year}.", "Tiêu chí: {criterion}, năm {year}."),
    "def.plan_text": ("The plan's words (Vietnamese): \u201c{text}\u201d.",
                      "Kế hoạch: \u201c{text}\u201d."),
    "def.repeats": (
        "In the plan, this line repeats word for word its earlier line for the target "
        "\u201c{target}\u201d; the model scores it as a separate target, as read below.",
        "Trong Kế hoạch, dòng này lặp lại nguyên văn dòng trước đó về mục tiêu "
        "\u201c{target}\u201d; mô hình đánh giá dòng này như một mục tiêu riêng, theo cách "
        "hiểu dưới đây."),
    "def.reading": ("How the model scores it: {text}", "Cách tính trong mô hình: {text}"),
    "def.growth_from": ("average growth from {base}", "tăng bình quân từ năm {base}"),
    "crit.mean_growth": ("{criterion} (mean of the yearly rates)",
                         "{criterion} (trung bình cộng các tốc độ tăng hằng năm)"),
    "crit.sum": ("total {first}\u2013{last} {criterion}", "tổng {first}\u2013{last} {criterion}"),
    "crit.mean": ("mean {first}\u2013{last} {criterion}",
                  "bình quân {first}\u2013{last} {criterion}"),
    "crit.years": ("{condition} in {criterion} years of {first}\u2013{last}",
                   "{condition} trong {criterion} năm của giai đoạn {first}\u2013{last}"),
    "crit.by_year": ("{criterion} in some year up to {last}",
                     "{criterion} vào một năm bất kỳ đến năm {last}"),
    # ---- table columns --------------------------------------------------------------------
    "col.target": ("Target", "Mục tiêu"),
    "col.year": ("Year", "Năm"),
    "col.criterion": ("Criterion", "Tiêu chí"),
    "col.scenario": ("Scenario", "Kịch bản"),
    "col.a_only": ("Runs only A meets", "Số lần chỉ A đạt"),
    "col.b_only": ("Runs only B meets", "Số lần chỉ B đạt"),
    "col.difference": ("P(A) − P(B) (95 % interval)", "P(A) − P(B) (khoảng tin cậy 95%)"),
    "col.mcnemar_p": ("McNemar p", "Giá trị p (McNemar)"),
    "col.runs": ("Runs", "Số lần chạy"),
    "col.a": ("A", "A"),
    "col.b": ("B", "B"),
    "col.mean": ("Mean (bn VND)", "Trung bình (tỷ đồng)"),
    "col.median": ("Median (bn VND)", "Trung vị (tỷ đồng)"),
    "col.q25_q75": ("50 % range (q25–q75)", "Khoảng 50% (q25–q75)"),
    "col.q05_q95": ("90 % range (q05–q95)", "Khoảng 90% (q05–q95)"),
    "col.share_positive": ("Share of runs with A higher", "Tỷ lệ lần chạy A cao hơn"),
    "col.item": ("Item", "Mục"),
    "col.value": ("Value", "Giá trị"),
    # ---- provenance -----------------------------------------------------------------------
    "prov.version": ("stmarket version", "Phiên bản stmarket"),
    "prov.commit": ("Commit", "Mã commit (Git)"),
    "prov.seed": ("Seed", "Giá trị khởi tạo ngẫu nhiên (seed)"),
    "prov.workers": ("Worker threads", "Số luồng xử lý song song"),
    "prov.started": ("Started", "Bắt đầu"),
    "prov.finished": ("Finished", "Kết thúc"),
    "prov.profile": ("Province profile", "Hồ sơ tỉnh"),
    "prov.world": ("Uncertain parameters", "Tham số bất định"),
    "prov.from_year": ("Start year", "Năm bắt đầu"),
    "prov.from_year_value": (
        "{year}: before it every scenario spends as {history} (a shared history); targets "
        "before {year} are history, checked against what is reported (history.csv), not "
        "forecast: {past}",
        "{year}: trước năm đó mọi kịch bản chi như {history} (lịch sử chung); các mục tiêu "
        "trước {year} là lịch sử, đối chiếu với số liệu đã công bố (history.csv), không dự "
        "báo: {past}"),
    "prov.runs": ("Runs per scenario", "Số lần chạy mỗi kịch bản"),
    "prov.targets": ("Targets", "Bộ mục tiêu"),
    "prov.none": ("not recorded", "không ghi nhận"),
    # ---- misc -----------------------------------------------------------------------------
    "range_to": ("{lo} to {hi}", "{lo} đến {hi}"),
    "list_sep": ("; ", "; "),
    "none": ("none", "không có"),
    "missing": ("—", "—"),
}


def _check_lang(lang: str) -> int:
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; one of {', '.join(LANGS)}")
    return LANGS.index(lang)


def keys() -> list[str]:
    """Every string key, in definition order."""
    return list(_STRINGS)


def has(key: str) -> bool:
    """Whether a string key exists."""
    return key in _STRINGS


def t(key: str, lang: str, **fmt) -> str:
    """The string ``key`` in ``lang``, formatted with ``fmt``.

    Parameters
    ----------
    key : str
        A key of the string table (see :func:`keys`).
    lang : {"en", "vi"}
    **fmt
        Values for the ``{name}`` fields of the string.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        For an unknown key or language, or a missing format field.
    """
    i = _check_lang(lang)
    try:
        text = _STRINGS[key][i]
    except KeyError:
        raise ValueError(f"no string {key!r} in stmarket.experiments.reports.i18n") from None
    if not fmt:
        return text
    try:
        return text.format(**fmt)
    except KeyError as e:
        raise ValueError(f"string {key!r} needs the field {e.args[0]!r}") from None


def t_or(key: str, lang: str, default: str, **fmt) -> str:
    """Like :func:`t`, but ``default`` for a key that does not exist."""
    return t(key, lang, **fmt) if has(key) else default


def scored_area_names(areas: dict, lang: str) -> str:
    """The labels of the scored areas of an assessment's ``areas`` meta, in ``lang``,
    joined as a list ("" when none are named)."""
    labels = areas.get("area_labels") or {}
    return t("list_sep", lang).join((labels.get(x) or [x, x])[1 if lang == "vi" else 0]
                                    for x in areas.get("scored_areas") or [])


def areas_sentence(areas: dict, lang: str) -> str:
    """For a profile with areas: whose buyers the targets are scored on, and whether the
    merger is assumed or left out (the counterfactual); empty for one without."""
    if not areas.get("merger_declared") and not areas.get("areas"):
        return ""
    scored = scored_area_names(areas, lang)
    if not areas.get("merger_declared"):
        return t("read.areas", lang, scored=scored)
    how = t("read.merger_on" if areas.get("merger") else "read.merger_off", lang,
            month=month_name(areas.get("merger_month") or "", lang))
    return t("read.areas", lang, scored=scored) + " " + how


def month_name(year_month: str, lang: str) -> str:
    """``"2025-07"`` as "July 2025" (English) or "7/2025" (Vietnamese); anything else as
    given."""
    try:
        y, m = (int(x) for x in year_month.split("-"))
    except ValueError:
        return year_month
    if not 1 <= m <= 12:
        return year_month
    if lang == "vi":
        return f"{m}/{y}"
    names = ("January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December")
    return f"{names[m - 1]} {y}"


def indicator_name(indicator: str, lang: str) -> str:
    """Display name of an indicator (its identifier when there is none)."""
    return t_or(f"ind.{indicator}", lang, indicator)


def target_label(target, lang: str) -> str:
    """Short label of a target: a :class:`~stmarket.model.targets.Target`'s own label
    from its targets file, or for an id, the string ``target.<id>`` (the row of all
    targets together), else the id itself."""
    if isinstance(target, str):
        return t_or(f"target.{target}", lang, target)
    return target.label(lang)


def axis_label(indicator: str, lang: str) -> str:
    """The y-axis label of an indicator's chart (its unit, unless it has its own)."""
    return t_or(f"axis.{indicator}", lang, t(f"unit.{indicator_unit(indicator)}", lang))


#: Indicators that count things (whole numbers in every run), besides ``count*``.
COUNT_INDICATORS = frozenset({
    "needs_formed", "results_commercial", "results_digitised", "intermediaries_active",
    "intermediaries_connected", "public_intermediary", "events", "offers_active",
    "tasks_enterprise_centred", "tasks_new",
})


def indicator_unit(indicator: str) -> str:
    """How an indicator's values are shown.

    Parameters
    ----------
    indicator : str
        An indicator name (see :data:`model.indicators.INDICATORS`).

    Returns
    -------
    str
        ``"share"`` (a fraction, shown as a percentage), ``"rate"`` (growth per year, also
        a percentage), ``"bn_vnd"`` (billion VND), ``"count"`` (a number of things: a whole
        number in each run) or ``"index"`` (any other level, such as a mean).
    """
    if indicator.endswith("_share") or "_share_" in indicator:
        return "share"
    if "growth" in indicator:
        return "rate"
    if indicator.startswith("value") or indicator == "budget":
        return "bn_vnd"
    if indicator.startswith("count") or indicator in COUNT_INDICATORS:
        return "count"
    return "index"


def is_count(indicator: str) -> bool:
    """Whether an indicator counts things, so its axis ticks should be whole numbers."""
    return indicator_unit(indicator) == "count"


# ---- numbers ----------------------------------------------------------------------------


def _localise(text: str, lang: str) -> str:
    """Swap the English separators for the Vietnamese ones."""
    _check_lang(lang)
    if lang == "vi":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text.replace("-", MINUS)


def number(x: float, lang: str, decimals: int = 2, sign: bool = False) -> str:
    """A number with thousands separators and ``decimals`` decimals.

    ``number(-1234.5, "en") == "−1,234.50"``; ``number(-1234.5, "vi") == "−1.234,50"``.
    ``sign`` puts a ``+`` before positive numbers. NaN gives a dash.
    """
    if x is None or not math.isfinite(float(x)):
        return t("missing", lang)
    x = float(x)
    if round(x, decimals) == 0:
        x = 0.0  # no "−0.00"
    text = f"{x:{'+' if sign else ''},.{decimals}f}"
    return _localise(text, lang)


def plain(x: float, lang: str) -> str:
    """A number in its shortest form (``0.005`` / ``0,005``, ``2000``)."""
    if x is None or not math.isfinite(float(x)):
        return t("missing", lang)
    return _localise(f"{float(x):g}", lang)


def integer(n: int, lang: str) -> str:
    """An integer with thousands separators (1,000 / 1.000)."""
    return number(n, lang, 0)


PROB_FLOOR = 0.005  #: probabilities in (0, PROB_FLOOR) are shown as "< 0.01"


def prob(p: float, lang: str) -> str:
    """A probability with two decimals (0.91 / 0,91).

    A probability that is not 0 but would round to 0.00 is shown as ``< 0.01`` (``< 0,01``),
    and one that is not 1 but would round to 1.00 as ``> 0.99`` (``> 0,99``), so that
    neither reads as impossible or certain. Exactly 0 and 1 stay ``0.00`` and ``1.00``.

    Parameters
    ----------
    p : float
        A probability (NaN gives a dash).
    lang : {"en", "vi"}

    Returns
    -------
    str
    """
    if p is None or not math.isfinite(float(p)):
        return t("missing", lang)
    p = float(p)
    if 0.0 < p < PROB_FLOOR:
        return "< " + number(0.01, lang, 2)
    if 1.0 - PROB_FLOOR < p < 1.0:
        return "> " + number(0.99, lang, 2)
    return number(p, lang, 2)


def prob_interval(p: float, lo: float, hi: float, lang: str) -> str:
    """``0.91 (0.89–0.93)`` in English, ``0,91 (0,89–0,93)`` in Vietnamese.

    The estimate follows :func:`prob` (``< 0.01 (0.00–0.01)``); the bounds keep the plain
    two-decimal format.
    """
    if p is None or not math.isfinite(float(p)):
        return t("missing", lang)
    return f"{prob(p, lang)} ({number(lo, lang, 2)}{DASH}{number(hi, lang, 2)})"


def signed_interval(d: float, lo: float, hi: float, lang: str, decimals: int = 2) -> str:
    """A signed estimate with its interval: ``+0.05 (−0.02 to +0.12)``."""
    if d is None or not math.isfinite(float(d)):
        return t("missing", lang)
    rng = t("range_to", lang, lo=number(lo, lang, decimals, sign=True),
            hi=number(hi, lang, decimals, sign=True))
    return f"{number(d, lang, decimals, sign=True)} ({rng})"


def value_range(lo: float, hi: float, lang: str, decimals: int = 2) -> str:
    """A range of values: ``−1.20 to 3.40`` / ``−1,20 đến 3,40``."""
    return t("range_to", lang, lo=number(lo, lang, decimals), hi=number(hi, lang, decimals))


def percent(x: float, lang: str) -> str:
    """A share as a percentage, up to one decimal: ``5 %`` / ``5%``, ``12.5 %`` / ``12,5%``."""
    if x is None or not math.isfinite(float(x)):
        return t("missing", lang)
    v = round(float(x) * 100.0, 1)
    text = f"{v:.0f}" if v == int(v) else f"{v:.1f}"
    text = _localise(text, lang)
    return f"{text} %" if lang == "en" else f"{text}%"


def pvalue(p: float, lang: str) -> str:
    """A p-value with three decimals, ``< 0.001`` below that."""
    if p is None or not math.isfinite(float(p)):
        return t("missing", lang)
    if p < 0.001:
        return "< " + number(0.001, lang, 3)
    return number(p, lang, 3)


def _mark(value: float, indicator: str, kind: str, lang: str) -> str:
    if kind in ("cagr", "mean_growth"):
        return f"{percent(value, lang)}{t('unit.per_year', lang)}"
    if kind != "years" and indicator_unit(indicator) in ("share", "rate"):
        return percent(value, lang)
    if float(value) == int(value):
        return integer(int(value), lang)
    return number(value, lang)


def criterion(op: str, threshold: float, indicator: str, kind: str, lang: str,
              high: float | None = None, inclusive: str = "both") -> str:
    """A pass mark: ``≥ 5 %/yr``, ``> 10 %``, ``≥ 1``, ``≤ 20 %``, ``5 % to 10 %`` (and the
    Vietnamese forms); ``high`` and ``inclusive`` for ``op = "between"``."""
    if op == "between":
        lo, hi = _mark(threshold, indicator, kind, lang), _mark(high, indicator, kind, lang)
        if inclusive == "both":
            return t("range_to", lang, lo=lo, hi=hi)
        return (f"{'[' if inclusive == 'low' else '('}{lo}, {hi}"
                f"{']' if inclusive == 'high' else ')'}")
    sym = {">": ">", ">=": "\u2265", "<": "<", "<=": "\u2264"}.get(op, op)
    return f"{sym} {_mark(threshold, indicator, kind, lang)}"


def target_criterion(tg, lang: str, threshold: float | None = None) -> str:
    """A :class:`~stmarket.model.targets.Target`'s pass mark with its kind: ``≥ 5 %/yr``,
    ``total 2026–2030 ≥ 1,000``, ``> 5 % in ≥ 3 years of 2026–2030``, ``≥ 1 in some year
    up to 2030`` (``threshold``: instead of the target's own, e.g. from a results table)."""
    thr = tg.threshold if threshold is None else threshold
    crit = criterion(tg.op, thr, tg.indicator, tg.kind, lang, tg.high, tg.inclusive)
    first, last = tg.first_year, tg.year
    if tg.kind == "mean_growth":
        return t("crit.mean_growth", lang, criterion=crit)
    if tg.kind in ("sum", "mean"):
        return t(f"crit.{tg.kind}", lang, criterion=crit, first=first, last=last)
    if tg.kind == "years":
        c = tg.condition
        cond = criterion(c.op, c.threshold, tg.indicator, "level", lang, c.high, c.inclusive)
        return t("crit.years", lang, condition=cond, criterion=crit, first=first, last=last)
    if tg.kind == "by_year":
        return t("crit.by_year", lang, criterion=crit, last=last)
    return crit
