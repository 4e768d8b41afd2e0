"""English and Vietnamese strings of the answer's sections (headline, readings,
attribution, drivers, assumptions) and of the console summary.

Kept apart from :mod:`~stmarket.experiments.reports.i18n` (the report's core strings and
number formats, which :func:`t` falls back to) so that the two tables can change
independently; every key has both languages with the same format fields
(``tests/test_answer.py``).
"""

from __future__ import annotations

from stmarket.experiments.reports import i18n

_S: dict[str, tuple[str, str]] = {
    # ---- likelihood scale -------------------------------------------------------------
    "h.scale": ("How probabilities are put in words", "Cách diễn đạt xác suất bằng lời"),
    "scale.intro": (
        "Probabilities are put in words on the calibrated likelihood scale of the IPCC "
        "Sixth Assessment Report; the word describes the estimate, and the 95 % interval "
        "stands beside it, so an interval that crosses a boundary shows.",
        "Xác suất được diễn đạt bằng lời theo thang khả năng đã hiệu chỉnh của Báo cáo "
        "Đánh giá lần thứ Sáu của IPCC; từ ngữ mô tả giá trị ước lượng, khoảng tin cậy 95% "
        "đặt bên cạnh, nên có thể thấy khi khoảng tin cậy vượt qua một ngưỡng."),
    "col.term": ("Term", "Thuật ngữ"),
    "col.range": ("Probability", "Xác suất"),
    # ---- headline: targets met per run ----------------------------------------------
    "h.met_count": ("How many targets are met in a run", "Số mục tiêu đạt được trong một lần chạy"),
    "met.intro": (
        "Share of the runs in which exactly this many targets are met. It does not hinge "
        "on any one target as P(all) does.",
        "Tỷ lệ số lần chạy đạt đúng số mục tiêu này. Chỉ số này không phụ thuộc vào một "
        "mục tiêu riêng lẻ như xác suất đạt tất cả."),
    "col.targets_met": ("Targets met", "Số mục tiêu đạt"),
    "met.mean_row": ("Mean (95 % interval)", "Trung bình (khoảng tin cậy 95%)"),
    "met.all_row": ("All targets together", "Đạt tất cả mục tiêu"),
    # ---- readings -----------------------------------------------------------------------
    "h.readings": ("Readings of the targets the plan does not fix",
                   "Các cách hiểu mục tiêu mà Kế hoạch chưa xác định rõ"),
    "readings.intro": (
        "Each defensible reading of an interpreted target is scored on the same runs. The "
        "reading marked \u201cscored\u201d is the one used in the rest of the report.",
        "Mỗi cách hiểu hợp lý của một mục tiêu cần diễn giải được đánh giá trên cùng các "
        "lần chạy. Cách hiểu có đánh dấu \u201cđang dùng\u201d là cách hiểu dùng trong phần "
        "còn lại của báo cáo."),
    "col.reading": ("Reading", "Cách hiểu"),
    "col.without_plan": ("Met without the plan?", "Đạt cả khi không có Kế hoạch?"),
    "scored": ("scored", "đang dùng"),
    "yes": ("yes", "có"),
    "no": ("no", "không"),
    "h.combinations": ("All targets together, under each combination of readings",
                       "Đạt tất cả mục tiêu, theo từng tổ hợp cách hiểu"),
    "combinations.intro": (
        "P(all targets met in the same run) when the interpreted targets are read in "
        "different ways, or left out.",
        "Xác suất đạt tất cả mục tiêu trong cùng một lần chạy khi các mục tiêu cần diễn giải "
        "được hiểu theo những cách khác nhau, hoặc bỏ ra."),
    "col.combination": ("Combination", "Tổ hợp"),
    "combo.as_scored": ("as scored", "như đang dùng"),
    "combo.strictest": ("strictest reading of every target",
                        "cách hiểu chặt nhất cho mọi mục tiêu"),
    "combo.most_lenient": ("most lenient reading of every target",
                           "cách hiểu dễ đạt nhất cho mọi mục tiêu"),
    "combo.swap": ("{target} read as: {reading}", "{target} hiểu là: {reading}"),
    "combo.without": ("without {target}", "bỏ {target}"),
    "combo.without_interpretations": ("without any interpreted target",
                                      "bỏ mọi mục tiêu cần diễn giải"),
    "without_plan.note": (
        "Met without the plan: it does not test the plan. {items} is very likely or "
        "virtually certain (probability at least {at}) with no programme at all, so meeting "
        "it says nothing about the plan.",
        "Đạt cả khi không có Kế hoạch: không dùng để đánh giá Kế hoạch. {items} rất có khả "
        "năng hoặc gần như chắc chắn đạt (xác suất từ {at} trở lên) ngay cả khi không có "
        "chương trình nào, nên việc đạt không nói lên điều gì về Kế hoạch."),
    "without_plan.none": (
        "No target is met without the plan (probability at least {at} with no programme).",
        "Không có mục tiêu nào đạt khi không có Kế hoạch (xác suất từ {at} trở lên khi không "
        "có chương trình)."),
    # ---- attribution --------------------------------------------------------------------
    "h.attribution": ("What each task group does", "Tác dụng của từng nhóm nhiệm vụ"),
    "attr.intro": (
        "{plan} against the same plan with one task group left out, on the same {runs} "
        "runs: the drop in the probability of each target when the group is left out, with "
        "its paired 95 % interval in parentheses. Positive: the group helps; * marks an "
        "interval that excludes 0.",
        "{plan} so với chính Kế hoạch đó khi bỏ một nhóm nhiệm vụ, trên cùng {runs} lần "
        "chạy: mức giảm xác suất đạt từng mục tiêu khi bỏ nhóm đó, kèm khoảng tin cậy 95% "
        "theo cặp trong ngoặc đơn. Dương: nhóm có tác dụng; dấu * chỉ khoảng tin cậy không "
        "chứa 0."),
    "col.task_group": ("Task group", "Nhóm nhiệm vụ"),
    "attr.carries": ("{target}: {groups}.", "{target}: {groups}."),
    "attr.carried_by": ("Which groups carry which target (interval above 0):",
                        "Nhóm nào mang lại mục tiêu nào (khoảng tin cậy lớn hơn 0):"),
    "attr.none": ("no single group", "không nhóm riêng lẻ nào"),
    # ---- drivers ------------------------------------------------------------------------
    "h.drivers": ("What drives the results (sensitivity analysis)",
                  "Các yếu tố chi phối kết quả (phân tích độ nhạy)"),
    "drivers.intro": (
        "The inputs that move the outcomes most, from the sensitivity analysis in {folder} "
        "({method}), in order.",
        "Các yếu tố đầu vào ảnh hưởng mạnh nhất tới kết quả, theo phân tích độ nhạy trong "
        "{folder} ({method}), theo thứ tự."),
    "col.rank": ("Rank", "Thứ hạng"),
    "col.input": ("Input", "Yếu tố"),
    "col.kind": ("Kind", "Loại"),
    "col.outcome": ("Outcome it moves most", "Kết quả chịu ảnh hưởng nhiều nhất"),
    "kind.parameter": ("uncertain parameter", "tham số bất định"),
    "kind.lever": ("task group budget", "kinh phí nhóm nhiệm vụ"),
    "kind.switch": ("structural switch", "lựa chọn cấu trúc mô hình"),
    "kind.seed": ("chance (random seed)", "ngẫu nhiên (seed)"),
    "outcome.p": ("chance of meeting: {what}", "xác suất đạt: {what}"),
    "outcome.all": ("all targets of {year}", "tất cả mục tiêu năm {year}"),
    # ---- assumptions --------------------------------------------------------------------
    "h.assumptions": ("Assumptions", "Các giả định"),
    "h.budgets": ("Budget of each task group (billion VND a year)",
                  "Kinh phí từng nhóm nhiệm vụ (tỷ đồng/năm)"),
    "budgets.intro": (
        "The plan publishes no budget per task group: these budgets are assumptions "
        "(the scenario files give the reason for each).",
        "Kế hoạch không công bố kinh phí cho từng nhóm nhiệm vụ: các mức kinh phí này là giả "
        "định (lý do của từng mức nêu trong tệp kịch bản)."),
    "budgets.none": ("{scenario}: no budget for any task group.",
                     "{scenario}: không có kinh phí cho nhóm nhiệm vụ nào."),
    "budgets.total": ("All task groups", "Tất cả các nhóm"),
    "h.interpretations": ("Interpretations", "Các cách diễn giải"),
    "interp.item": (
        "{target}: scored as \u201c{reading}\u201d; other readings: {others} (probability "
        "under {plan}).",
        "{target}: đang dùng \u201c{reading}\u201d; cách hiểu khác: {others} (xác suất theo "
        "{plan})."),
    "h.calibration": ("Calibration status", "Tình trạng hiệu chỉnh"),
    "calib.prior": (
        "Not calibrated: every uncertain parameter is drawn from its prior range (the "
        "profile gives a source or a reason for each). The province publishes no S&T "
        "transaction data to fit the model to.",
        "Chưa hiệu chỉnh: mọi tham số bất định được lấy từ khoảng tiên nghiệm (hồ sơ tỉnh "
        "nêu nguồn hoặc lý do cho từng khoảng). Tỉnh không công bố số liệu giao dịch KH&CN "
        "để hiệu chỉnh mô hình."),
    "calib.posterior": (
        "Calibrated: {n} parameters ({names}) are drawn from the posterior in {file}, "
        "fitted to {observations}{reached}; the others from their priors.",
        "Đã hiệu chỉnh: {n} tham số ({names}) lấy từ phân phối hậu nghiệm trong {file}, "
        "được khớp với {observations}{reached}; các tham số khác lấy từ khoảng tiên nghiệm."),
    "calib.unknown_obs": ("observations not recorded beside it",
                          "số liệu quan sát không được ghi kèm"),
    "calib.not_reached": (" (its final tolerance did not reach 1)",
                          " (dung sai cuối chưa đạt 1)"),
    "h.interval": ("What the intervals cover", "Khoảng tin cậy bao gồm những gì"),
    "interval.covers": (
        "Covered: the Monte Carlo error of a finite number of runs, the uncertain "
        "parameters drawn over their ranges, the model's structural switches sampled as "
        "parameters, and chance within a run (random seeds).",
        "Có tính đến: sai số Monte Carlo do số lần chạy hữu hạn, các tham số bất định lấy "
        "mẫu trong khoảng của chúng, các lựa chọn cấu trúc được lấy mẫu như tham số, và yếu "
        "tố ngẫu nhiên trong mỗi lần chạy (seed)."),
    "interval.not": (
        "Not covered: the model's structure beyond those switches; how the targets are "
        "read (shown separately under the readings); and the budgets, which are assumed.",
        "Không tính đến: cấu trúc mô hình ngoài các lựa chọn đó; cách hiểu các mục tiêu "
        "(trình bày riêng ở mục các cách hiểu); và kinh phí, vốn là giả định."),
    "merger.none": (
        "The merger of Bắc Kạn into Thái Nguyên on 1 July 2025 is not in this run: it "
        "simulates the profile's province within its own borders to the end. "
        "`--profile thai_nguyen` adds the merger, as an assumption.",
        "Việc sáp nhập tỉnh Bắc Kạn vào tỉnh Thái Nguyên từ ngày 1/7/2025 không có trong "
        "lần chạy này: mô hình mô phỏng tỉnh của hồ sơ trong địa giới riêng đến cuối kỳ. "
        "Tùy chọn `--profile thai_nguyen` bổ sung việc sáp nhập, như một giả định."),
    "merger.on": (
        "ASSUMPTION, not in the intervals: the merger of the areas' markets from {month}: "
        "{note} Targets scored on: {scored}.",
        "GIẢ ĐỊNH, không nằm trong các khoảng tin cậy: thị trường các vùng sáp nhập từ "
        "{month}: {note} Mục tiêu được đánh giá trên: {scored}."),
    "merger.off": (
        "Counterfactual: no merger (each area its own market to the end of the run). "
        "Targets scored on: {scored}.",
        "Giả định đối chứng: không sáp nhập (mỗi vùng là một thị trường riêng đến cuối kỳ). "
        "Mục tiêu được đánh giá trên: {scored}."),
    "merger.whole": ("the whole province", "toàn tỉnh"),
    "h.limitations": ("Limitations", "Hạn chế"),
    "lim.data": (
        "Almost no market data: the province publishes no S&T transaction value, contract "
        "count or budget, so the levels rest on priors and national or comparable figures.",
        "Hầu như không có số liệu thị trường: tỉnh không công bố giá trị giao dịch, số hợp "
        "đồng hay kinh phí KH&CN, nên các mức dựa trên khoảng tiên nghiệm và số liệu toàn "
        "quốc hoặc của địa phương tương tự."),
    "lim.small": (
        "A small market: tens of deals a year, so one large deal can decide a year's "
        "growth; the probabilities reflect that noise.",
        "Thị trường nhỏ: vài chục giao dịch mỗi năm, một giao dịch lớn có thể quyết định "
        "tăng trưởng của cả năm; các xác suất phản ánh mức dao động này."),
    "lim.budgets": (
        "Assumed budgets: a different split of the same money between task groups can "
        "change the answer (see the attribution above and stmarket optimise).",
        "Kinh phí giả định: cùng tổng kinh phí nhưng phân bổ khác giữa các nhóm nhiệm vụ có "
        "thể cho kết quả khác (xem tác dụng từng nhóm ở trên và lệnh stmarket optimise)."),
    "lim.attribution": (
        "The attribution leaves out one group at a time: groups that only work together "
        "can each look small.",
        "Tác dụng được tính bằng cách bỏ từng nhóm một: các nhóm chỉ có tác dụng khi đi cùng "
        "nhau có thể đều trông nhỏ."),
    # ---- console ------------------------------------------------------------------------
    "con.head": ("{profile}; world: {world}; seed {seed}; {how}",
                 "{profile}; tham số: {world}; seed {seed}; {how}"),
    "con.runs": ("{n} runs per scenario", "{n} lần chạy mỗi kịch bản"),
    "con.stop": (" (stopping rule: every half-width <= {hw})",
                 " (quy tắc dừng: mọi nửa độ rộng <= {hw})"),
    "con.capped": (" (stopping rule: every half-width <= {hw}, NOT reached at the cap of {cap})",
                   " (quy tắc dừng: mọi nửa độ rộng <= {hw}, CHƯA đạt khi chạm mức tối đa "
                   "{cap})"),
    "con.targets": ("Probability that each target is met, with its 95 % interval and in words:",
                    "Xác suất đạt từng mục tiêu, kèm khoảng tin cậy 95% và diễn đạt bằng lời:"),
    "con.paired": ("Paired comparison, {a} against {b} (same {n} runs):",
                   "So sánh theo cặp, {a} so với {b} (cùng {n} lần chạy):"),
    "con.met_diff": ("targets met per run, {a} minus {b}: {m} ({ci})",
                     "số mục tiêu đạt mỗi lần chạy, {a} trừ {b}: {m} ({ci})"),
    "con.no_interval": ("no interval from one run", "không có khoảng tin cậy từ một lần chạy"),
    "con.met_mean": ("{scenario}: targets met per run {m} of {n} ({lo} to {hi}); "
                     "P(all) as scored {p}; strictest {ps}; most lenient {pl}",
                     "{scenario}: số mục tiêu đạt mỗi lần chạy {m}/{n} ({lo} đến {hi}); "
                     "P(tất cả) như đang dùng {p}; chặt nhất {ps}; dễ nhất {pl}"),
    "con.attr": ("Task groups left out of {plan} ({runs} paired runs): drop in P(target), "
                 "* where the interval excludes 0",
                 "Bỏ từng nhóm nhiệm vụ khỏi {plan} ({runs} cặp lần chạy): mức giảm P(mục "
                 "tiêu), * khi khoảng tin cậy không chứa 0"),
    "con.written": ("written to {out}: {files}", "đã ghi vào {out}: {files}"),
}


def keys() -> list[str]:
    """Every key of this table."""
    return list(_S)


def t(key: str, lang: str, **fmt) -> str:
    """The string ``key`` in ``lang`` (from this table, else from
    :func:`stmarket.experiments.reports.i18n.t`), formatted with ``fmt``."""
    if key not in _S:
        return i18n.t(key, lang, **fmt)
    text = _S[key][i18n.LANGS.index(lang) if lang in i18n.LANGS else i18n._check_lang(lang)]
    return text.format(**fmt) if fmt else text
