"""Reports of the assessment: the report's text in English and Vietnamese
(:mod:`.report`, its strings in :mod:`.i18n`), the charts (:mod:`.fanchart`,
:mod:`.plots`), and the output folder that holds them (:mod:`.write`).

Reports read the assessment's results; the assessment never imports a report, only the
string tables (:mod:`.i18n`, :mod:`.words`, which import nothing of the project) for its
summary in English or Vietnamese (``Assessment.summary(lang)``).
"""
