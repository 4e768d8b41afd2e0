"""Plain words for the model's inputs: every uncertain parameter, switch and task group,
in English and Vietnamese, for readers who do not know the ids (``need_rate``, ``h3``).

The one place that names them: the report's drivers, and any page that shows a
sensitivity result, look labels up here (:func:`label`). An id with no entry is shown as
itself, and ``tests/test_answer.py`` checks that every uncertain parameter of the bundled
profile has one.
"""

from __future__ import annotations

_GROUP_VI = {
    1: "nhóm nhiệm vụ 1",
    2: "nhóm nhiệm vụ 2",
    3: "nhóm nhiệm vụ 3",
    4: "nhóm nhiệm vụ 4",
    5: "nhóm nhiệm vụ 5",
    6: "nhóm nhiệm vụ 6",
}

#: id -> (English, Vietnamese)
LABELS: dict[str, tuple[str, str]] = {
    # demand
    "need_rate": (
        "how often firms need an S&T good",
        "tần suất doanh nghiệp có nhu cầu về hàng hóa KH&CN",
    ),
    "size_need.small": (
        "how much more often small firms have needs",
        "mức nhu cầu cao hơn của doanh nghiệp nhỏ",
    ),
    "size_need.medium": (
        "how much more often medium firms have needs",
        "mức nhu cầu cao hơn của doanh nghiệp vừa",
    ),
    "coop_need_mult": ("extra needs of cooperatives", "nhu cầu tăng thêm của hợp tác xã"),
    "sector_need.agro_forestry": (
        "needs of agro-forestry and food firms",
        "nhu cầu của doanh nghiệp nông lâm nghiệp, chế biến thực phẩm",
    ),
    "sector_need.construction_mining": (
        "needs of construction and mining firms",
        "nhu cầu của doanh nghiệp xây dựng, khai khoáng",
    ),
    "sector_need.manufacturing": (
        "needs of manufacturing firms",
        "nhu cầu của doanh nghiệp chế biến, chế tạo",
    ),
    "sector_need.services": (
        "needs of trade and service firms",
        "nhu cầu của doanh nghiệp thương mại, dịch vụ",
    ),
    "rd_need_mult": (
        "extra needs of firms that do R&D",
        "nhu cầu tăng thêm của doanh nghiệp có nghiên cứu và phát triển",
    ),
    "tech_need_share": (
        "share of needs that are for technology rather than services",
        "tỷ lệ nhu cầu về công nghệ (so với dịch vụ)",
    ),
    "size_wtp.micro": (
        "what a technology is worth to a micro firm",
        "giá trị của một công nghệ đối với doanh nghiệp siêu nhỏ",
    ),
    "size_wtp.small": (
        "what a technology is worth to a small firm",
        "giá trị của một công nghệ đối với doanh nghiệp nhỏ",
    ),
    "size_wtp.medium": (
        "what a technology is worth to a medium firm",
        "giá trị của một công nghệ đối với doanh nghiệp vừa",
    ),
    "wtp_service": (
        "what an S&T service is worth to a firm",
        "giá trị của một dịch vụ KH&CN đối với doanh nghiệp",
    ),
    "wtp_sigma": (
        "how much firms differ in what they would pay",
        "mức chênh lệch giữa các doanh nghiệp về mức sẵn lòng chi trả",
    ),
    "wtp_service_elasticity": (
        "how a service's worth grows with firm size",
        "giá trị dịch vụ tăng theo quy mô doanh nghiệp",
    ),
    "tech_init_mean": (
        "firms' technology level in 2021",
        "trình độ công nghệ của doanh nghiệp năm 2021",
    ),
    "absorb_init_mean": (
        "firms' capacity to absorb technology in 2021",
        "năng lực hấp thụ công nghệ của doanh nghiệp năm 2021",
    ),
    "init_sd": (
        "how much firms differ at the start",
        "mức khác biệt giữa các doanh nghiệp lúc đầu",
    ),
    "need_patience": (
        "how long a firm keeps looking before giving up",
        "thời gian doanh nghiệp tìm kiếm trước khi bỏ cuộc",
    ),
    "init_need_share": ("needs already open in 2021", "nhu cầu đã có sẵn năm 2021"),
    "search_prob": (
        "how often a firm with a need searches",
        "tần suất doanh nghiệp có nhu cầu đi tìm kiếm",
    ),
    "learn_rate": (
        "how much a purchase raises a firm's technology",
        "mức một lần mua nâng trình độ công nghệ",
    ),
    "absorb_learn": ("learning by doing from purchases", "học hỏi qua các lần mua"),
    "service_learn_share": (
        "what a service teaches, next to a technology",
        "mức học hỏi từ dịch vụ so với công nghệ",
    ),
    "spill_rate": (
        "spill-overs between firms of a sector",
        "lan tỏa công nghệ giữa các doanh nghiệp cùng ngành",
    ),
    "cross_fit": (
        "fit of an offer made for another sector",
        "mức phù hợp của sản phẩm làm cho ngành khác",
    ),
    "quality_weight": (
        "how much quality raises price and benefit",
        "ảnh hưởng của chất lượng tới giá và lợi ích",
    ),
    "absorb_weight": (
        "how much absorptive capacity raises benefit",
        "ảnh hưởng của năng lực hấp thụ tới lợi ích",
    ),
    "tech_complement": (
        "better-equipped firms gain more",
        "doanh nghiệp có công nghệ tốt hơn được lợi nhiều hơn",
    ),
    # supply
    "local_task_share": (
        "share of provincial tasks led in the province",
        "tỷ lệ nhiệm vụ cấp tỉnh do đơn vị trong tỉnh chủ trì",
    ),
    "results_per_task": (
        "results a provincial task delivers",
        "số kết quả của một nhiệm vụ cấp tỉnh",
    ),
    "ec_base": (
        "tasks designed with firms, without the plan",
        "nhiệm vụ gắn với doanh nghiệp khi không có Kế hoạch",
    ),
    "ec_max": (
        "tasks designed with firms, at full task group 3",
        "nhiệm vụ gắn với doanh nghiệp khi nhóm nhiệm vụ 3 đạt tối đa",
    ),
    "mr_base": ("chance a result is market-ready", "khả năng kết quả sẵn sàng đưa ra thị trường"),
    "mr_ec": (
        "chance a result designed with a firm is market-ready",
        "khả năng kết quả làm cùng doanh nghiệp sẵn sàng đưa ra thị trường",
    ),
    "partner_uptake": (
        "partner firms taking up their task's result",
        "doanh nghiệp đối tác tiếp nhận kết quả nhiệm vụ",
    ),
    "local_offer_rate": (
        "offers from organisations in the province",
        "số sản phẩm chào bán của tổ chức trong tỉnh",
    ),
    "outside_offer_rate": (
        "offers from research organisations elsewhere",
        "số sản phẩm chào bán của tổ chức nghiên cứu ngoài tỉnh",
    ),
    "vendor_offer_rate": (
        "offers from technology vendors outside the province",
        "số công nghệ chào bán của nhà cung cấp ngoài tỉnh",
    ),
    "own_sector_share": (
        "offers in the seller's own sector",
        "tỷ lệ sản phẩm thuộc ngành của người bán",
    ),
    "quality.province": ("quality of offers from the province", "chất lượng sản phẩm trong tỉnh"),
    "quality.vietnam": (
        "quality of offers from elsewhere in Vietnam",
        "chất lượng sản phẩm từ nơi khác trong nước",
    ),
    "quality.abroad": ("quality of offers from abroad", "chất lượng sản phẩm nước ngoài"),
    "price_service": ("price of an S&T service", "giá một dịch vụ KH&CN"),
    "price_result": ("price of a research result", "giá một kết quả nghiên cứu"),
    "price_tech": ("price of a technology", "giá một công nghệ"),
    "price_ip": ("price of an IP licence", "giá một li-xăng tài sản trí tuệ"),
    "price_sigma": ("how much prices vary", "mức dao động của giá"),
    "price_mult.vietnam": (
        "price premium of sellers elsewhere in Vietnam",
        "mức giá cao hơn của người bán nơi khác trong nước",
    ),
    "price_mult.abroad": (
        "price premium of foreign sellers",
        "mức giá cao hơn của người bán nước ngoài",
    ),
    "offer_life": ("how long an offer stays on the market", "thời gian một sản phẩm được chào bán"),
    # protection and digitisation
    "sale_belief": ("sellers' expectation of a sale", "kỳ vọng bán được của người bán"),
    "belief_weight": (
        "how slowly sellers learn from their record",
        "mức người bán dựa vào kỳ vọng ban đầu",
    ),
    "ip_cost": ("cost of protecting a result as IP", "chi phí bảo hộ một kết quả"),
    "ip_premium": (
        "value that IP protection secures",
        "giá trị được bảo vệ nhờ bảo hộ sở hữu trí tuệ",
    ),
    "ip_support": (
        "support for IP protection (task group 1)",
        "hỗ trợ bảo hộ sở hữu trí tuệ (nhóm nhiệm vụ 1)",
    ),
    "dig_cost": ("cost of digitising a result", "chi phí số hóa một kết quả"),
    "dig_support": ("support for digitisation (task group 3)", "hỗ trợ số hóa (nhóm nhiệm vụ 3)"),
    "platform_support": (
        "the public platform's share of digitisation costs (task group 4)",
        "phần chi phí số hóa do nền tảng công chịu (nhóm nhiệm vụ 4)",
    ),
    "dig_network_bonus": (
        "visibility of digitised results on the national network",
        "mức dễ tìm thấy của kết quả số hóa trên mạng lưới quốc gia",
    ),
    "decision_cost_sigma": (
        "how much organisations' costs differ",
        "mức khác biệt chi phí giữa các tổ chức",
    ),
    "digit_rule": (
        "how digitisation is decided (per result or per organisation)",
        "cách quyết định số hóa (từng kết quả hay cả tổ chức)",
    ),
    # search and intermediaries
    "visibility.province": (
        "chance a firm notices an offer from the province",
        "khả năng doanh nghiệp biết tới sản phẩm trong tỉnh",
    ),
    "visibility.vietnam": (
        "chance a firm notices an offer from elsewhere in Vietnam",
        "khả năng doanh nghiệp biết tới sản phẩm từ nơi khác trong nước",
    ),
    "visibility.abroad": (
        "chance a firm notices an offer from abroad",
        "khả năng doanh nghiệp biết tới sản phẩm nước ngoài",
    ),
    "vis_int_local": (
        "chance an intermediary sees an offer from the province",
        "khả năng tổ chức trung gian thấy sản phẩm trong tỉnh",
    ),
    "vis_event": (
        "chance a buyer at an event sees an offer",
        "khả năng người mua tại sự kiện thấy sản phẩm",
    ),
    "digit_vis_mult": (
        "how much easier digitised offers are to find",
        "mức dễ tìm thấy hơn của sản phẩm đã số hóa",
    ),
    "int_vis_unconnected": (
        "what an unconnected intermediary sees",
        "khả năng quan sát của tổ chức trung gian chưa kết nối",
    ),
    "val_uncert": (
        "discount for a benefit a firm cannot value",
        "mức chiết khấu khi doanh nghiệp không định giá được",
    ),
    "int_uncert_cut": (
        "how much an intermediary helps valuation",
        "mức tổ chức trung gian giúp định giá",
    ),
    "p_use_int": (
        "chance a firm goes through an intermediary",
        "khả năng doanh nghiệp dùng tổ chức trung gian",
    ),
    "int_cap_base": (
        "clients an intermediary can serve",
        "số khách hàng một tổ chức trung gian phục vụ được",
    ),
    "int_cap_gain": (
        "extra clients of the public intermediary (task group 4)",
        "số khách hàng tăng thêm của tổ chức trung gian công (nhóm nhiệm vụ 4)",
    ),
    "int_skill_init": (
        "skill of a new intermediary's staff",
        "trình độ nhân sự của tổ chức trung gian mới",
    ),
    "skill_train": (
        "how fast training raises staff skill (task group 6)",
        "tốc độ đào tạo nâng trình độ nhân sự (nhóm nhiệm vụ 6)",
    ),
    "skill_learn": (
        "learning by doing of intermediary staff",
        "học hỏi qua thực tế của nhân sự trung gian",
    ),
    "int_setup_stock": (
        "task group 4 effort needed to open the public intermediary",
        "mức đầu tư nhóm nhiệm vụ 4 cần để thành lập tổ chức trung gian công",
    ),
    "int_stall_share": (
        "when the public intermediary stalls",
        "ngưỡng tổ chức trung gian công ngừng hoạt động",
    ),
    "int_breakeven_deals": (
        "deals a private intermediary needs to break even",
        "số giao dịch tổ chức trung gian tư nhân cần để hòa vốn",
    ),
    "int_exit_share": (
        "when a private intermediary closes",
        "ngưỡng tổ chức trung gian tư nhân đóng cửa",
    ),
    "private_rate": (
        "how fast a private intermediary opens",
        "tốc độ hình thành tổ chức trung gian tư nhân",
    ),
    "connect_rule": (
        "how an intermediary joins the national network",
        "cách tổ chức trung gian kết nối mạng lưới quốc gia",
    ),
    "connect_deals": (
        "deals needed to join the national network",
        "số giao dịch cần để kết nối mạng lưới quốc gia",
    ),
    "connect_skill": (
        "staff skill needed to join the national network",
        "trình độ nhân sự cần để kết nối mạng lưới quốc gia",
    ),
    "connect_rate": (
        "how fast an active intermediary joins",
        "tốc độ kết nối của tổ chức trung gian",
    ),
    "event_base": (
        "techmarts and fairs without the plan",
        "số chợ công nghệ, hội chợ khi không có Kế hoạch",
    ),
    "event_max": (
        "techmarts and fairs at full task group 5",
        "số chợ công nghệ, hội chợ khi nhóm nhiệm vụ 5 đạt tối đa",
    ),
    "attend_prob": ("chance a firm attends an event", "khả năng doanh nghiệp tham dự sự kiện"),
    # the plan's levers
    "lag_form": (
        "how spending turns into capability (one or two stages)",
        "cách kinh phí chuyển thành năng lực (một hay hai giai đoạn)",
    ),
    "cofund_share": (
        "share of task group 2 spent on co-funding purchases",
        "tỷ lệ kinh phí nhóm nhiệm vụ 2 dùng đồng tài trợ mua công nghệ",
    ),
    "h2_cofund": (
        "co-funding budget for half the price cut",
        "kinh phí đồng tài trợ đạt một nửa mức giảm giá",
    ),
    "close_base": (
        "chance a wanted deal closes without the plan",
        "khả năng giao dịch thành công khi không có Kế hoạch",
    ),
    "close_gain": (
        "how much task group 1's rules help deals close",
        "mức cơ chế của nhóm nhiệm vụ 1 giúp giao dịch thành công",
    ),
    "tg1_outside_reach": (
        "reach of provincial rules outside the province",
        "phạm vi tác động của cơ chế tỉnh ra ngoài tỉnh",
    ),
    "subsidy_max": (
        "share of the price co-funded (task group 2)",
        "tỷ lệ giá được đồng tài trợ (nhóm nhiệm vụ 2)",
    ),
    "need_gain": (
        "more needs at full task group 2",
        "nhu cầu tăng thêm khi nhóm nhiệm vụ 2 đạt tối đa",
    ),
    "absorb_gain": (
        "absorptive capacity gained from task group 2",
        "năng lực hấp thụ tăng nhờ nhóm nhiệm vụ 2",
    ),
    "aware_gain": (
        "more searching from communication (task group 6)",
        "tìm kiếm nhiều hơn nhờ truyền thông (nhóm nhiệm vụ 6)",
    ),
    "intl_gain": (
        "more foreign offers seen (task group 6)",
        "biết tới nhiều sản phẩm nước ngoài hơn (nhóm nhiệm vụ 6)",
    ),
    "inflation": ("price inflation", "lạm phát"),
    "economic_growth": (
        "growth of what firms would pay",
        "tăng trưởng mức sẵn lòng chi trả của doanh nghiệp",
    ),
}
for _g in range(1, 7):
    LABELS[f"build_tg{_g}"] = (
        f"delay before task group {_g}'s spending takes effect",
        f"độ trễ trước khi kinh phí {_GROUP_VI[_g]} có tác dụng",
    )
    LABELS[f"decay_tg{_g}"] = (
        f"how fast task group {_g}'s effect fades",
        f"tốc độ suy giảm tác dụng của {_GROUP_VI[_g]}",
    )
    LABELS[f"h{_g}"] = (
        f"spending task group {_g} needs for half its effect",
        f"mức chi {_GROUP_VI[_g]} cần để đạt một nửa tác dụng",
    )

def label(input_id: str, lang: str = "en") -> str:
    """Plain words for a parameter, switch or task group (its id when there are none)."""
    if lang not in ("en", "vi"):
        raise ValueError(f"unknown language {lang!r}; one of en, vi")
    pair = LABELS.get(input_id) or _instrument(input_id) or _family(input_id)
    return input_id if pair is None else pair[0 if lang == "en" else 1]


def _instrument(input_id: str) -> tuple[str, str] | None:
    """A plan instrument's (Decision 2257's task groups by default) budget, or its
    efficacy (``efficacy_<id>``, a sensitivity input), in plain words."""
    from stmarket.model.plan import load_plan

    titles = load_plan().titles
    iid = input_id.removeprefix("efficacy_")
    if iid not in titles:
        return None
    en, vi = titles[iid]
    n = iid[2] if iid.startswith("tg") and iid[2:3].isdigit() else ""
    if n:
        en, vi = f"task group {n}: {en.lower()}", f"{_GROUP_VI[int(n)]}: {vi.lower()}"
    if iid != input_id:
        return f"efficacy of {en}", f"hiệu quả của {vi}"
    return en, vi


#: a profile's per-entity parameters (``family.id``, docs/PROFILES.md) without their own
#: words: the family's, naming the sector, size class or location by its id
FAMILIES = {
    "sector_need": ("how often firms of the {id} sector need S&T goods",
                    "mức nhu cầu hàng hóa KH&CN của doanh nghiệp ngành {id}"),
    "task_share": ("share of provincial S&T tasks in the {id} sector",
                   "tỷ lệ nhiệm vụ KH&CN cấp tỉnh thuộc ngành {id}"),
    "size_need": ("how often {id} firms need S&T goods",
                  "mức nhu cầu hàng hóa KH&CN của doanh nghiệp quy mô {id}"),
    "size_wtp": ("what a technology is worth to {id} firms",
                 "giá trị một công nghệ đối với doanh nghiệp quy mô {id}"),
    "visibility": ("how easily firms find offers from {id}",
                   "mức dễ tìm thấy các chào bán từ {id}"),
    "quality": ("quality of offers from {id}", "chất lượng các chào bán từ {id}"),
    "price_mult": ("price of offers from {id}, against in-province ones",
                   "giá các chào bán từ {id} so với trong tỉnh"),
}


def _family(input_id: str) -> tuple[str, str] | None:
    family, _, eid = input_id.partition(".")
    if not eid or family not in FAMILIES:
        return None
    name = eid.replace("_", " ")
    en, vi = FAMILIES[family]
    return en.format(id=name), vi.format(id=name)


def has(input_id: str) -> bool:
    """Whether an input has plain words."""
    return (input_id in LABELS or _instrument(input_id) is not None
            or _family(input_id) is not None)
