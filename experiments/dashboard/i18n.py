"""English and Vietnamese strings of the dashboard (``stmarket dashboard``).

The dashboard's own strings live here; every other key (target labels, column heads,
number formats) comes from :mod:`stmarket.experiments.reports.i18n`, so the dashboard, the
reports and the charts use the same words. The Vietnamese strings use the plan's own terms
(Decision 2257/QĐ-UBND): "nhóm nhiệm vụ", "tổ chức trung gian", "hàng hóa khoa học và
công nghệ", "kết quả nghiên cứu", "tài sản trí tuệ".
"""

from __future__ import annotations

from stmarket.experiments.reports import i18n

LANGS = i18n.LANGS

#: key -> (English, Vietnamese)
_STRINGS: dict[str, tuple[str, str]] = {
    "title": ("S&T market of {province}: policy dashboard",
              "Thị trường khoa học và công nghệ {province}: bảng điều khiển chính sách"),
    "intro": (
        "Set the yearly budget and start year of each of the plan's six task groups. Every "
        "change runs {runs} Monte Carlo simulations of your settings and of the starting "
        "scenario on the same runs, and shows the probability of meeting each target of the "
        "plan, the difference from the starting scenario, and the fan charts.",
        "Điều chỉnh kinh phí hằng năm và năm bắt đầu của từng nhóm nhiệm vụ trong sáu nhóm "
        "nhiệm vụ của Kế hoạch. Mỗi lần thay đổi, mô hình chạy {runs} lần mô phỏng Monte "
        "Carlo cho thiết lập của bạn và cho kịch bản xuất phát trên cùng các lần chạy, rồi "
        "hiển thị xác suất đạt từng mục tiêu của Kế hoạch, chênh lệch so với kịch bản xuất "
        "phát và các biểu đồ hình quạt."),
    "language": ("Language", "Ngôn ngữ"),
    "profile": ("Province profile", "Hồ sơ tỉnh"),
    "base": ("Starting scenario", "Kịch bản xuất phát"),
    "reset": ("Reset to the starting scenario", "Đặt lại theo kịch bản xuất phát"),
    "levers": ("Task groups: yearly budget and start year",
               "Các nhóm nhiệm vụ: kinh phí hằng năm và năm bắt đầu"),
    "lever": ("Task group {n}: {title}", "Nhóm nhiệm vụ {n}: {title}"),
    "level": ("budget (bn VND/yr)", "kinh phí (tỷ đồng/năm)"),
    "start": ("start year", "năm bắt đầu"),
    "levers_note": (
        "The budgets are assumptions: the plan publishes no budget per task group. Each "
        "task group keeps the ramp-up of the starting scenario (two years in the plan); one "
        "the starting scenario does not fund ramps up over {ramp} years.",
        "Kinh phí là giả định: Kế hoạch không công bố kinh phí cho từng nhóm nhiệm vụ. Mỗi "
        "nhóm nhiệm vụ giữ thời gian tăng dần kinh phí của kịch bản xuất phát (hai năm trong "
        "Kế hoạch); nhóm không có kinh phí trong kịch bản xuất phát tăng dần trong {ramp} "
        "năm."),
    "total": ("Total budget {y0}–{y1}: {custom} bn VND (starting scenario: {base} bn VND)",
              "Tổng kinh phí {y0}–{y1}: {custom} tỷ đồng (kịch bản xuất phát: {base} tỷ đồng)"),
    "custom": ("Your settings", "Thiết lập của bạn"),
    "col.base": ("Starting scenario: {name}", "Kịch bản xuất phát: {name}"),
    "col.custom": ("Your settings", "Thiết lập của bạn"),
    "col.difference": ("Difference (yours − starting), 95 % interval",
                       "Chênh lệch (của bạn − xuất phát), khoảng tin cậy 95%"),
    "runs_note": (
        "{runs} runs per scenario, seed {seed}: the same runs each time (common random "
        "numbers), so each difference is paired run by run. A difference in bold has a 95 % "
        "interval that excludes zero. Computed in {seconds} s.",
        "{runs} lần chạy mỗi kịch bản, seed {seed}: luôn dùng cùng các lần chạy (số ngẫu "
        "nhiên chung), nên chênh lệch được so sánh theo từng cặp lần chạy. Chênh lệch in đậm "
        "có khoảng tin cậy 95% không chứa 0. Thời gian tính: {seconds} giây."),
    "updating": ("Updating…", "Đang cập nhật…"),
    "waiting": ("Running the Monte Carlo…", "Đang chạy mô phỏng Monte Carlo…"),
    "error": ("The computation failed: {error}", "Tính toán bị lỗi: {error}"),
    "single": ("One run: who trades with whom", "Một lần chạy: ai giao dịch với ai"),
    "single_note": (
        "One run of your settings (seed {seed}, the parameters at their central values): "
        "{n} transactions between {buyers} of the {all_buyers} buyers in the province and "
        "{sellers} sellers, {y0}–{y1}. Each line is a transaction, coloured by the kind of "
        "S&T good.",
        "Một lần chạy với thiết lập của bạn (seed {seed}, các tham số ở giá trị trung tâm): "
        "{n} giao dịch giữa {buyers} trong số {all_buyers} bên mua trong tỉnh và {sellers} "
        "bên bán, giai đoạn {y0}–{y1}. Mỗi đường là một giao dịch, tô màu theo loại hàng hóa "
        "khoa học và công nghệ."),
    "net.title": ("Transactions of one run, {y0}–{y1}",
                  "Các giao dịch của một lần chạy, {y0}–{y1}"),
    "net.buyers": ("Buyers in the province", "Bên mua trong tỉnh"),
    "net.sellers": ("Sellers", "Bên bán"),
    "net.none": ("No transactions in this run.", "Không có giao dịch nào trong lần chạy này."),
    "col.kind": ("Kind of S&T good", "Loại hàng hóa KH&CN"),
    "col.channel": ("Channel", "Kênh giao dịch"),
    "col.deals": ("Transactions", "Số giao dịch"),
    "col.value_bn": ("Value (bn VND)", "Giá trị (tỷ đồng)"),
    "kind.technology": ("technology", "công nghệ"),
    "kind.ip": ("IP asset", "tài sản trí tuệ"),
    "kind.research_result": ("research result", "kết quả nghiên cứu"),
    "kind.service": ("S&T service", "dịch vụ KH&CN"),
    "channel.direct": ("direct", "trực tiếp"),
    "channel.intermediary": ("through an intermediary", "qua tổ chức trung gian"),
    "channel.event": ("at a promotion event", "tại sự kiện xúc tiến"),
    "seller.research.province": ("research organisations in the province",
                                 "tổ chức nghiên cứu trong tỉnh"),
    "seller.research.vietnam": ("research institutes and universities elsewhere in Vietnam",
                                "viện nghiên cứu, trường đại học ngoài tỉnh"),
    "seller.research.abroad": ("research organisations abroad",
                               "tổ chức nghiên cứu nước ngoài"),
    "seller.vendor.province": ("technology suppliers in the province",
                               "nhà cung cấp công nghệ trong tỉnh"),
    "seller.vendor.vietnam": ("technology suppliers elsewhere in Vietnam",
                              "nhà cung cấp công nghệ trong nước"),
    "seller.vendor.abroad": ("foreign technology suppliers",
                             "nhà cung cấp công nghệ nước ngoài"),
}


def has(key: str) -> bool:
    """Whether the dashboard or the reports have a string ``key``."""
    return key in _STRINGS or i18n.has(key)


def t(key: str, lang: str, **fmt) -> str:
    """The dashboard's string ``key`` in ``lang``, or the reports'
    (:func:`stmarket.experiments.reports.i18n.t`).

    Parameters
    ----------
    key : str
    lang : {"en", "vi"}
    **fmt
        Values for the ``{name}`` fields of the string.

    Raises
    ------
    ValueError
        For an unknown key or language, or a missing format field.
    """
    if key not in _STRINGS:
        return i18n.t(key, lang, **fmt)
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; one of {', '.join(LANGS)}")
    text = _STRINGS[key][LANGS.index(lang)]
    try:
        return text.format(**fmt) if fmt else text
    except KeyError as e:
        raise ValueError(f"string {key!r} needs the field {e.args[0]!r}") from None
