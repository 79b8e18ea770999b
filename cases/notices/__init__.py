"""Correspondence with the customer and proof of notice (SPEC §10, Order 2020 No. 3 Arts. 19, 21).

- ``placeholders``: the facts of a case a template may name, the default texts, the rendering;
- ``pdf``: a notice as PDF with its font embedded (WenQuanYi Micro Hei, vendored in ``fonts/``
  with its licence), so Chinese displays on a machine without Chinese fonts;
- ``proof``: the checks of a decision notice's parts (Art. 19) and of a proof of notice (Art. 21);
- ``views``: the case page's panel.

The services are in cases.services.notices: a notice issued by an action (its row in
cases.actions.table names the kind), the proof of notice recorded or corrected later, the
preview of a template.

The date of the decision's proof is the date the decision was notified: the KPI read model
derives it from here (assessment.kpi.readmodel), and the decision's deadlines are met then.
"""
