"""The rules of hook calls, each written once: a pure function of plain values that returns
:class:`~rocm_lsp.core.rules.finding.Finding`\\ s with a :class:`~rocm_lsp.core.rules.finding.Locator`
(which argument, which list element) instead of a source range.

The static pass (``core.engine.hook_checks``) calls them with the literal values it reads from
the template, in every branch; the kernel's hooks (``core.model.kernel`` and the profiles) call
them with the live values of the render. One module per family: ``arguments`` (RL206/RL207),
``hooks`` (RL205), ``def_kernel`` (RL201–RL204, RL208, RL209, RL212, RL213), ``values``
(RL210), ``size`` (RL215).

Never imports: the Inductor model, the template engine, Jinja, editor features, the workspace, LSP.
"""
