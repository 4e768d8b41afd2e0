"""The Monte Carlo report in Markdown and in self-contained HTML, in English or Vietnamese.

The content is built once as a list of blocks (:class:`Heading`, :class:`Paragraph`,
:class:`Bullets`, :class:`Table`, :class:`Figure`, :class:`Note`) by
:func:`build_blocks`, then rendered by :func:`to_markdown` and :func:`to_html`. Every
number comes from the tables the caller passes; this module only formats them.
"""

from __future__ import annotations

import base64
import html
import math
import os
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from stmarket.experiments.assessment import likelihood as lk
from stmarket.experiments.reports import i18n
from stmarket.experiments.reports.i18n import t
from stmarket.model.targets import Target, TargetSet

ALL = "all_targets"
TARGET_COLUMNS = ("scenario", "target", "year", "threshold", "probability", "ci_low",
                  "ci_high", "runs")
COMPARISON_COLUMNS = ("a", "b", "target", "a_only", "b_only", "mcnemar_p", "difference",
                      "ci_low", "ci_high", "runs")
VALUE_DIFFERENCE_COLUMNS = ("a", "b", "year", "runs", "mean", "q05", "q25", "q50", "q75",
                            "q95", "share_positive")
MARK = "\u2020"  # the dagger that marks an interpretation target
_MIME = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
         ".svg": "image/svg+xml"}


# ---- blocks -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    """A heading of ``level`` 1-4; ``code`` (an identifier) is shown after the text."""

    level: int
    text: str
    code: str = ""


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of plain text."""

    text: str


@dataclass(frozen=True)
class Bullets:
    """A bulleted list of plain-text items."""

    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """A table of text cells; ``align`` has ``"l"`` or ``"r"`` per column."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    align: tuple[str, ...] = ()


@dataclass(frozen=True)
class Figure:
    """An image file with its caption."""

    path: Path
    caption: str


@dataclass(frozen=True)
class Note:
    """A side note (a caveat), set apart from the text."""

    text: str


Block = Heading | Paragraph | Bullets | Table | Figure | Note


# ---- content ----------------------------------------------------------------------------


def _check_columns(df: pd.DataFrame, columns: Sequence[str], name: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{name} lacks the columns {', '.join(missing)}")


def _scenario_names(meta: dict, lang: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for s in meta.get("scenarios") or []:
        name = (s.get("name_vi") if lang == "vi" else None) or s.get("name") or s["id"]
        out[str(s["id"])] = str(name)
    return out


def _world_name(meta: dict, lang: str) -> str:
    w = meta.get("world") or {}
    return str((w.get("name_vi") if lang == "vi" else None) or w.get("name") or w.get("id")
               or t("prov.none", lang))


def _plan_name(targets: TargetSet, lang: str) -> str:
    return targets.name_vi if lang == "vi" and targets.name_vi else targets.name


def _title(targets: TargetSet, lang: str) -> str:
    """The report's title, built the same way in both languages from the plan's name.

    ``meta["title"]`` and ``meta["title_vi"]`` are ignored, so the two languages cannot
    drift apart.
    """
    return t("title", lang, plan=_plan_name(targets, lang))


def _norm(text: str) -> str:
    """Text compared for repetition: case, spacing and final punctuation ignored."""
    return " ".join(text.casefold().split()).rstrip(" .;,")


def _repeats(targets: TargetSet) -> dict[str, Target]:
    """Each target whose plan text repeats an earlier target's, mapped to that target."""
    seen: dict[str, Target] = {}
    out: dict[str, Target] = {}
    for tg in targets.targets:
        key = _norm(tg.text_vi or "")
        if not key:
            continue
        if key in seen:
            out[tg.id] = seen[key]
        else:
            seen[key] = tg
    return out


def _label(target_id: str, by_id: dict[str, Target], lang: str) -> str:
    tg = by_id.get(target_id)
    label = i18n.target_label(target_id if tg is None else tg, lang)
    return f"{label} {MARK}" if tg is not None and tg.interpretation else label


def _year_cell(target_id: str, year: int, by_id: dict[str, Target]) -> str:
    tg = by_id.get(target_id)
    if tg is not None and tg.first_year is not None:
        return f"{tg.first_year}{i18n.DASH}{int(year)}"
    return str(int(year))


def _criterion(target_id: str, threshold: float, by_id: dict[str, Target], lang: str) -> str:
    tg = by_id.get(target_id)
    if tg is None or threshold is None or not math.isfinite(float(threshold)):
        return t("missing", lang)
    return i18n.target_criterion(tg, lang, float(threshold))


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _ordered(first: Iterable[str], then: Iterable[str]) -> list[str]:
    return list(dict.fromkeys([*first, *then]))


def _how_to_read(meta: dict, targets: TargetSet, lang: str, names: dict[str, str],
                 scenarios: list[str]) -> list[Block]:
    out: list[Block] = [Heading(2, t("h.how_to_read", lang))]
    out.append(Paragraph(t("read.intro", lang, plan=_plan_name(targets, lang),
                           runs=i18n.integer(int(meta["runs"]), lang),
                           world=_world_name(meta, lang), profile=_profile_name(meta, lang))))
    areas = i18n.areas_sentence(meta.get("areas") or {}, lang)
    if areas:
        out.append(Paragraph(areas))
    items = t("list_sep", lang).join(names.get(s, s) for s in scenarios)
    out.append(Paragraph(t("read.scenarios", lang, items=items)))
    stop = meta.get("stopping")
    if stop:
        outcome = t("read.stopping_reached" if stop.get("reached") else "read.stopping_capped",
                    lang)
        out.append(Paragraph(t("read.stopping", lang,
                               half_width=i18n.plain(stop["half_width"], lang),
                               max_runs=i18n.integer(int(stop["max_runs"]), lang),
                               outcome=outcome)))
    return out


def _key_answer(table: pd.DataFrame, scenarios: list[str], target_ids: list[str],
                names: dict[str, str], lang: str, by_id: dict[str, Target]) -> list[Block]:
    rows = {(r.scenario, r.target): r for r in table.itertuples(index=False)}
    items = []
    for sc in scenarios:
        own = [rows[(sc, tid)] for tid in target_ids if (sc, tid) in rows]
        k = sum(1 for r in own if r.probability >= lk.UPPER[-1][1])
        allrow = rows.get((sc, ALL))
        p = (i18n.prob_interval(allrow.probability, allrow.ci_low, allrow.ci_high, lang)
             + f" ({lk.describe(allrow.probability, lang)})"
             if allrow is not None else t("missing", lang))
        text = t("key.scenario", lang, scenario=names.get(sc, sc), k=k, n=len(own), p=p)
        groups: dict[str, list[str]] = {key: [] for key in lk.KEYS}
        for r in own:  # the IPCC AR6 scale, applied to the estimate
            groups[lk.likelihood(r.probability)].append(
                i18n.target_label(by_id.get(r.target, r.target), lang))
        sep = t("list_sep", lang)  # labels may contain commas
        text += "".join(f" {_capitalise(lk.term(v, lang))}: {sep.join(labels)}."
                        for v, labels in groups.items() if labels)
        items.append(text)
    return [Heading(2, t("h.key_answer", lang)), Bullets(tuple(items)),
            Paragraph(t("key.rule", lang))]


def _target_section(table: pd.DataFrame, scenarios: list[str], target_ids: list[str],
                    by_id: dict[str, Target], names: dict[str, str], lang: str) -> list[Block]:
    rows = {(r.scenario, r.target): r for r in table.itertuples(index=False)}
    first = {}
    for r in table.itertuples(index=False):
        first.setdefault(r.target, r)
    body = []
    for tid in [*target_ids, ALL]:
        if tid not in first:
            continue
        r0 = first[tid]
        cells = [_label(tid, by_id, lang), _year_cell(tid, r0.year, by_id),
                 _criterion(tid, r0.threshold, by_id, lang)]
        for sc in scenarios:
            r = rows.get((sc, tid))
            cells.append(t("missing", lang) if r is None else
                         # the estimate and its interval hold together; the term may wrap
                         i18n.prob_interval(r.probability, r.ci_low, r.ci_high, lang)
                         .replace(" ", "\u00a0") + f" {lk.describe(r.probability, lang)}")
        body.append(tuple(cells))
    header = (t("col.target", lang), t("col.year", lang), t("col.criterion", lang),
              *(names.get(s, s) for s in scenarios))
    out: list[Block] = [Heading(2, t("h.targets", lang)), Paragraph(t("targets.intro", lang)),
                        Table(header, tuple(body), ("l", "l", "l") + ("r",) * len(scenarios))]
    if any(by_id[tid].interpretation for tid in target_ids if tid in by_id):
        out.append(Note(t("interpretation", lang)))
    return out


def _comparison_section(cmp: pd.DataFrame, by_id: dict[str, Target], names: dict[str, str],
                        lang: str) -> list[Block]:
    out: list[Block] = [Heading(2, t("h.comparisons", lang))]
    for (a, b), g in cmp.groupby(["a", "b"], sort=False):
        na, nb = names.get(a, a), names.get(b, b)
        out.append(Heading(3, t("cmp.heading", lang, a=na, b=nb)))
        out.append(Paragraph(t("cmp.intro", lang, a=na, b=nb,
                               runs=i18n.integer(int(g["runs"].max()), lang))))
        body, separated = [], []
        for r in g.itertuples(index=False):
            label = _label(r.target, by_id, lang)
            body.append((label, i18n.integer(int(r.a_only), lang),
                         i18n.integer(int(r.b_only), lang),
                         i18n.signed_interval(r.difference, r.ci_low, r.ci_high, lang),
                         i18n.pvalue(r.mcnemar_p, lang)))
            plain = i18n.target_label(by_id.get(r.target, r.target), lang)
            if r.ci_low > 0:
                separated.append(t("cmp.a_higher", lang, target=plain))
            elif r.ci_high < 0:
                separated.append(t("cmp.b_higher", lang, target=plain))
        header = (t("col.target", lang), t("col.a_only", lang), t("col.b_only", lang),
                  t("col.difference", lang), t("col.mcnemar_p", lang))
        out.append(Table(header, tuple(body), ("l", "r", "r", "r", "r")))
        out.append(Paragraph(t("cmp.excludes_zero", lang,
                               items=t("list_sep", lang).join(separated))
                             if separated else t("cmp.none", lang)))
    return out


def _value_section(vd: pd.DataFrame, names: dict[str, str], lang: str) -> list[Block]:
    """One sub-section per pair of scenarios (named once, in its heading), each a narrow
    table by year, then one sentence on the last year."""
    out: list[Block] = [Heading(2, t("h.value_difference", lang)),
                        Paragraph(t("vd.intro", lang))]
    header = tuple(t(f"col.{c}", lang) for c in ("year", "median", "q25_q75", "q05_q95",
                                                  "mean", "share_positive"))
    for (a, b), g in vd.groupby(["a", "b"], sort=False):
        g = g.sort_values("year")
        na, nb = names.get(a, a), names.get(b, b)
        body = tuple((str(int(r.year)), i18n.number(r.q50, lang),
                      i18n.value_range(r.q25, r.q75, lang),
                      i18n.value_range(r.q05, r.q95, lang), i18n.number(r.mean, lang),
                      i18n.prob(r.share_positive, lang)) for r in g.itertuples(index=False))
        last = g.loc[g["year"].idxmax()]
        out += [Heading(3, t("cmp.heading", lang, a=na, b=nb)),
                Paragraph(t("vd.pair_intro", lang, a=na, b=nb,
                            runs=i18n.integer(int(g["runs"].max()), lang))),
                Table(header, body, ("l",) + ("r",) * 5),
                Paragraph(t("vd.sentence", lang, year=int(last["year"]), a=na,
                            share=i18n.prob(float(last["share_positive"]), lang),
                            median=i18n.number(float(last["q50"]), lang)))]
    return out


def _profile_name(meta: dict, lang: str) -> str:
    if lang == "vi" and meta.get("profile_vi"):
        return str(meta["profile_vi"])
    return str(meta.get("profile", ""))


def _definitions(targets: TargetSet, lang: str) -> list[Block]:
    out: list[Block] = [Heading(2, t("h.definitions", lang))]
    by_id = {tg.id: tg for tg in targets.targets}
    repeats = _repeats(targets)
    for tg in targets.targets:
        out.append(Heading(3, _label(tg.id, by_id, lang), code=tg.id))
        crit = i18n.target_criterion(tg, lang)
        if tg.kind == "cagr" and tg.base_year is not None:
            crit = f"{crit} ({t('def.growth_from', lang, base=tg.base_year)})"
        out.append(Paragraph(t("def.criterion", lang, criterion=crit, year=tg.year)))
        if tg.text_vi:
            out.append(Paragraph(t("def.plan_text", lang, text=tg.text_vi)))
        if tg.id in repeats:  # said outside the quotation: not the plan's words
            earlier = i18n.target_label(repeats[tg.id], lang)
            out.append(Paragraph(t("def.repeats", lang, target=earlier)))
        reading = (tg.definition_vi or tg.definition) if lang == "vi" else tg.definition
        if reading:
            out.append(Paragraph(t("def.reading", lang, text=reading)))
    return out


def _provenance(meta: dict, targets: TargetSet, lang: str) -> list[Block]:
    none = t("prov.none", lang)

    def val(key: str) -> str:
        v = meta.get(key)
        return none if v is None or v == "" else str(v)

    plan = _plan_name(targets, lang)
    if targets.path is not None:
        plan = f"{plan} ({Path(targets.path).name})"
    rows = [
        (t("prov.version", lang), val("version")),
        (t("prov.commit", lang), val("commit")),
        (t("prov.seed", lang), val("seed")),
        (t("prov.workers", lang), val("workers")),
        (t("prov.started", lang), val("started")),
        (t("prov.finished", lang), val("finished")),
        (t("prov.profile", lang), _profile_name(meta, lang) or none),
        (t("prov.world", lang), _world_name(meta, lang)),
        (t("prov.runs", lang), i18n.integer(int(meta["runs"]), lang)),
        (t("prov.targets", lang), plan),
    ]
    if meta.get("from_year"):  # a run from a stated year (experiments/assessment/fromyear.py)
        s = meta["from_year"]
        rows.append((t("prov.from_year", lang),
                     t("prov.from_year_value", lang, year=s["year"], history=s["history"],
                       past=", ".join(s["history_targets"]) or "-")))
    return [Heading(2, t("h.provenance", lang)),
            Table((t("col.item", lang), t("col.value", lang)), tuple(rows), ("l", "l"))]


def build_blocks(*, lang: str, meta: dict, targets: TargetSet, target_table: pd.DataFrame,
                 comparisons: pd.DataFrame | None = None,
                 value_difference: pd.DataFrame | None = None,
                 figures: dict[str, Path] | None = None,
                 sections: dict[str, list[Block]] | None = None) -> list[Block]:
    """The report's content, in order, as blocks (arguments as in :func:`write_report`)."""
    extra = sections or {}
    t("title", lang)  # rejects an unknown language early
    _check_columns(target_table, TARGET_COLUMNS, "target_table")
    by_id = {tg.id: tg for tg in targets.targets}
    names = _scenario_names(meta, lang)
    scenarios = _ordered([s for s in names if s in set(target_table["scenario"])],
                         target_table["scenario"])
    target_ids = _ordered([tid for tid in targets.ids if tid in set(target_table["target"])],
                          [x for x in target_table["target"] if x != ALL])
    blocks: list[Block] = [Heading(1, _title(targets, lang))]
    blocks += _how_to_read(meta, targets, lang, names, scenarios)
    blocks += extra.get("how_to_read", [])
    blocks += _key_answer(target_table, scenarios, target_ids, names, lang, by_id)
    blocks += extra.get("after_key_answer", [])
    blocks += _target_section(target_table, scenarios, target_ids, by_id, names, lang)
    blocks += extra.get("after_targets", [])
    if comparisons is not None and len(comparisons):
        _check_columns(comparisons, COMPARISON_COLUMNS, "comparisons")
        blocks += _comparison_section(comparisons, by_id, names, lang)
    if value_difference is not None and len(value_difference):
        _check_columns(value_difference, VALUE_DIFFERENCE_COLUMNS, "value_difference")
        blocks += _value_section(value_difference, names, lang)
    if figures:
        blocks.append(Heading(2, t("h.figures", lang)))
        blocks += [Figure(Path(p), i18n.t_or(f"fig.{name}", lang, name))
                   for name, p in figures.items()]
    blocks += extra.get("before_definitions", [])
    blocks += _definitions(targets, lang)
    blocks += _provenance(meta, targets, lang)
    return blocks


# ---- rendering --------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]])")
_MD_TAG = re.compile(r"<(?=[A-Za-z/!?])")


def _md(text: str, table: bool = False) -> str:
    """Escape Markdown's inline syntax (and ``|`` inside a table) in plain text."""
    text = _MD_TAG.sub(r"\\<", _MD_SPECIAL.sub(r"\\\1", text))
    text = " ".join(text.split("\n"))
    return text.replace("|", r"\|") if table else text


def to_markdown(blocks: Sequence[Block], out_dir: Path) -> str:
    """Render blocks as Markdown; figures are linked by their path relative to ``out_dir``."""
    parts = []
    for b in blocks:
        if isinstance(b, Heading):
            code = f" `{b.code}`" if b.code else ""
            parts.append(f"{'#' * b.level} {_md(b.text)}{code}")
        elif isinstance(b, Paragraph):
            parts.append(_md(b.text))
        elif isinstance(b, Note):
            parts.append(f"> {_md(b.text)}")
        elif isinstance(b, Bullets):
            parts.append("\n".join(f"- {_md(x)}" for x in b.items))
        elif isinstance(b, Table):
            align = b.align or ("l",) * len(b.header)
            lines = ["| " + " | ".join(_md(h, True) for h in b.header) + " |",
                     "|" + "|".join("---:" if a == "r" else "---" for a in align) + "|"]
            lines += ["| " + " | ".join(_md(c, True) for c in row) + " |" for row in b.rows]
            parts.append("\n".join(lines))
        elif isinstance(b, Figure):
            rel = Path(os.path.relpath(Path(b.path).resolve(), Path(out_dir).resolve()))
            target = rel.as_posix()
            if any(c in target for c in " ()<>"):
                target = f"<{target}>"
            parts.append(f"![{_md(b.caption)}]({target})\n\n{_md(b.caption)}")
        else:  # pragma: no cover - the Block union is closed
            raise TypeError(f"unknown block {b!r}")
    return "\n\n".join(parts) + "\n"


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",Arial,sans-serif;
line-height:1.5;color:#1b1b1b;max-width:72rem;margin:2rem auto;padding:0 1rem}
h1{font-size:1.6rem}h2{font-size:1.3rem;margin-top:2rem;border-bottom:1px solid #ddd}
h3{font-size:1.08rem;margin-top:1.4rem}
.table{max-width:100%;overflow-x:auto}
table{border-collapse:collapse;margin:.8rem 0;font-size:.9rem;max-width:100%}
th,td{border:1px solid #c8c8c8;padding:.25rem .5rem;text-align:left;vertical-align:top;
overflow-wrap:break-word}
th{background:#f1f3f5;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}
th.num{text-align:right}
figure{margin:1rem 0}img{max-width:100%;height:auto}figcaption{font-size:.9rem;color:#444}
.note{font-size:.9rem;color:#3a3a3a;border-left:3px solid #b0b0b0;padding-left:.7rem}
code{font-size:.85em;background:#f1f3f5;padding:0 .2rem;border-radius:3px}
@page{size:A4;margin:14mm 12mm}
@media print{body{max-width:none;margin:0;padding:0;font-size:10pt;line-height:1.35}
.table{overflow:visible}table{font-size:8pt;width:100%;page-break-inside:auto}
th,td{padding:.15rem .3rem}td.num{white-space:normal}tr{page-break-inside:avoid}
thead{display:table-header-group}h2,h3{page-break-after:avoid}
figure{page-break-inside:avoid}img{max-height:250mm;object-fit:contain}}
""".strip()


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _data_uri(path: Path) -> str:
    mime = _MIME.get(path.suffix.lower(), "image/png")
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def to_html(blocks: Sequence[Block], lang: str) -> str:
    """Render blocks as one self-contained HTML page (inline CSS, images as data URIs)."""
    title = next((b.text for b in blocks if isinstance(b, Heading) and b.level == 1), "")
    body = []
    for b in blocks:
        if isinstance(b, Heading):
            code = f" <code>{_esc(b.code)}</code>" if b.code else ""
            body.append(f"<h{b.level}>{_esc(b.text)}{code}</h{b.level}>")
        elif isinstance(b, Paragraph):
            body.append(f"<p>{_esc(b.text)}</p>")
        elif isinstance(b, Note):
            body.append(f'<p class="note">{_esc(b.text)}</p>')
        elif isinstance(b, Bullets):
            items = "".join(f"<li>{_esc(x)}</li>" for x in b.items)
            body.append(f"<ul>{items}</ul>")
        elif isinstance(b, Table):
            align = b.align or ("l",) * len(b.header)
            cls = [' class="num"' if a == "r" else "" for a in align]
            head = "".join(f"<th{c}>{_esc(h)}</th>" for c, h in zip(cls, b.header, strict=True))
            rows = "".join("<tr>" + "".join(f"<td{c}>{_esc(x)}</td>"
                                            for c, x in zip(cls, row, strict=True)) + "</tr>"
                           for row in b.rows)
            body.append(f'<div class="table"><table><thead><tr>{head}</tr></thead>'
                        f"<tbody>{rows}</tbody></table></div>")
        elif isinstance(b, Figure):
            body.append(f'<figure><img src="{_data_uri(Path(b.path))}" alt="{_esc(b.caption)}">'
                        f"<figcaption>{_esc(b.caption)}</figcaption></figure>")
        else:  # pragma: no cover - the Block union is closed
            raise TypeError(f"unknown block {b!r}")
    return ("<!DOCTYPE html>\n"
            f'<html lang="{_esc(lang)}">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{_esc(title)}</title>\n<style>\n{_CSS}\n</style>\n</head>\n<body>\n<main>\n"
            + "\n".join(body) + "\n</main>\n</body>\n</html>\n")


# ---- writing ----------------------------------------------------------------------------


def _write_atomic(files: Sequence[tuple[Path, str]]) -> None:
    """Write each text to a temporary file beside its path, then rename it over the path.

    Nothing is renamed until every temporary file is complete; temporary files never
    outlive the call.
    """
    tmps: list[Path] = []
    try:
        for path, text in files:
            tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
            tmps.append(tmp)
            with open(tmp, "x", encoding="utf-8", newline="\n") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
        for (path, _), tmp in zip(files, tmps, strict=True):
            os.replace(tmp, path)
    finally:
        for tmp in tmps:
            tmp.unlink(missing_ok=True)


def write_report(out_dir: Path, *, lang: str, meta: dict, targets: TargetSet,
                 target_table: pd.DataFrame, comparisons: pd.DataFrame | None,
                 value_difference: pd.DataFrame | None,
                 figures: dict[str, Path],
                 sections: dict[str, list[Block]] | None = None) -> tuple[Path, Path]:
    """Write ``report.md`` and ``report.html`` into ``out_dir``, atomically.

    Parameters
    ----------
    out_dir : Path
        Output directory (created if missing); the figure files should be in it, since the
        Markdown links them by relative path. The HTML embeds them.
    lang : {"en", "vi"}
    meta : dict
        ``profile`` (and ``profile_vi``), ``scenarios`` (list of ``{id, name, name_vi}``),
        ``runs``, ``seed``, ``world`` (``{id, name, name_vi}``), ``stopping`` (None or
        ``{half_width, max_runs, reached}``), ``version``, ``commit``, ``started``,
        ``finished``, ``workers``. A ``title`` or ``title_vi`` is ignored: the title is
        built from the plan's name in ``targets`` (``<plan>: probability of meeting the
        targets``), the same way in both languages.
    targets : TargetSet
        The targets scored (labels, criteria, interpretation flags, definitions and the
        plan's words; a target whose words repeat an earlier target's is said to, outside
        the quotation).
    target_table : DataFrame
        ``scenario,target,year,threshold,probability,ci_low,ci_high,runs``, with the
        ``all_targets`` rows.
    comparisons : DataFrame or None
        ``a,b,target,a_only,b_only,mcnemar_p,difference,ci_low,ci_high,runs`` where
        ``difference`` is P(a meets) − P(b meets) over the same runs.
    value_difference : DataFrame or None
        ``a,b,year,runs,mean,q05,q25,q50,q75,q95,share_positive``: nominal value of a
        minus b per paired run, billion VND.
    figures : dict of str to Path
        Name to image file, embedded in order; ``fig.<name>`` in
        :mod:`stmarket.experiments.reports.i18n` gives the caption (else the name).
    sections : dict of str to list of Block, optional
        Further sections (:func:`stmarket.experiments.reports.sections.answer_sections`)
        by place: ``how_to_read``, ``after_key_answer``, ``after_targets``,
        ``before_definitions``.

    Returns
    -------
    (Path, Path)
        The Markdown and HTML files.

    Raises
    ------
    ValueError
        For an unknown language or a table without its columns.
    FileNotFoundError
        For a missing figure (nothing is written).
    """
    out_dir = Path(out_dir)
    figures = {k: Path(v) for k, v in (figures or {}).items()}
    for p in figures.values():
        if not p.is_file():
            raise FileNotFoundError(f"figure {p} does not exist")
    blocks = build_blocks(lang=lang, meta=meta, targets=targets, target_table=target_table,
                          comparisons=comparisons, value_difference=value_difference,
                          figures=figures, sections=sections)
    out_dir.mkdir(parents=True, exist_ok=True)
    md_path, html_path = out_dir / "report.md", out_dir / "report.html"
    _write_atomic([(md_path, to_markdown(blocks, out_dir)), (html_path, to_html(blocks, lang))])
    return md_path, html_path
