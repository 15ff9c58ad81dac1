"""The Manage page's tabs, one module each, every one a ``draw(ctx)`` taking a
:class:`ui.manage.context.ManageContext`.

``pages/manage.py`` lists the tabs and calls them; :mod:`ui.manage.context` holds what they
share (the signed-in person and their rights, the scope, cycles and picker labels) and
:mod:`ui.manage.common` the shapes their forms share (a create form in an expander, an edit form
carrying the version it was read at). The tabs: :mod:`~ui.manage.cycles`,
:mod:`~ui.manage.units`, :mod:`~ui.manage.people`, :mod:`~ui.manage.objectives`,
:mod:`~ui.manage.key_results`, :mod:`~ui.manage.kpis`, :mod:`~ui.manage.carry_over`,
:mod:`~ui.manage.import_export` and :mod:`~ui.manage.notifications`.
"""
