"""TeX math in the reader: MathML rendered on the server, sanitized, TeX as code when unreadable."""

from __future__ import annotations

import pytest
from latex2mathml.converter import convert

from tailored.markdown.render import render_html
from tests.web.html_facts import assert_inert, read_html

# Formulas a robotics or physics textbook writes; between them they use most of what
# latex2mathml emits (fractions, roots, scripts, matrices, accents, fences, fonts, spaces).
FORMULAS = [
    r"E = mc^2",
    r"\frac{\partial L}{\partial \dot{q}_i} - \frac{\partial L}{\partial q_i} = \tau_i",
    r"\sqrt[3]{x} + \sqrt{y^2 + z^2}",
    r"\sum_{i=1}^{n} x_i \quad \int_0^\infty e^{-t}\,dt",
    r"\begin{bmatrix} \cos\theta & -\sin\theta \\ \sin\theta & \cos\theta \end{bmatrix}",
    r"\left( \frac{a}{b} \right) \overline{z} \hat{x} \vec{v} \underbrace{a+b}_{n}",
    r"\mathbb{R}^3 \mathbf{F} = m\mathbf{a} \operatorname{atan2}(y, x) \text{ for } x \neq 0",
    r"\lim_{x \to 0} \frac{\sin x}{x} = 1 \pmod{2} \boxed{k} \phantom{x} \color{red}{y}",
    r"\begin{cases} 1 & x > 0 \\ 0 & \text{otherwise} \end{cases} \hline \; \! \, \\ a",
]


def _math_of(markdown: str) -> list[str]:
    return [e.attrs.get("display") or "" for e in read_html(render_html(markdown)).all("math")]


class TestMath:
    def test_inline_math_is_mathml_inside_its_paragraph(self) -> None:
        html = render_html("Energy $E = mc^2$ is conserved.")
        facts = assert_inert(html)
        (math,) = facts.all("math")
        assert math.attrs == {"xmlns": "http://www.w3.org/1998/Math/MathML", "display": "inline"}
        assert [e.text for e in facts.all("mi")] == ["E", "m", "c"]
        assert [e.text for e in facts.all("mn")] == ["2"]
        assert facts.all("msup")
        assert html.startswith("<p>Energy <math")
        assert "</math> is conserved.</p>" in html
        assert "$" not in facts.text

    def test_display_math_is_a_block(self) -> None:
        facts = assert_inert(render_html("Before.\n\n$$\n\\frac{a}{b}\n$$\n\nAfter."))
        (math,) = facts.all("math")
        assert math.attrs["display"] == "block"
        assert [e.text for e in facts.all("mi")] == ["a", "b"]
        assert facts.all("mfrac")

    def test_a_formula_that_cannot_be_read_shows_its_tex_as_code(self) -> None:
        facts = assert_inert(render_html(r"Bad $\left( <b>x</b>$ and good $y$."))
        (code,) = facts.with_class("math")
        assert code.tag == "code"
        assert code.text == r"\left( <b>x</b>"  # escaped: shown, not markup
        assert "b" not in facts.tags()
        assert _math_of(r"Bad $\left( <b>x</b>$ and good $y$.") == ["inline"]
        block = assert_inert(render_html("$$\n\\frac\n$$"))
        assert not block.all("math")
        assert [e.text for e in block.with_class("math")] == [r"\frac"]

    @pytest.mark.parametrize(
        "markdown",
        [
            r"$\href{javascript:alert(1)}{click}$",
            "$$\n\\href{javascript:alert(1)}{click}\n$$",
            r"$\style{background:url(javascript:alert(1))}{x}$",
            r"$\class{evil}{x} \color{javascript:alert(1)}{y}$",
            r"$\text{<script>alert(1)</script>}$",
            "$$\n</math><script>alert(1)</script><img src=x onerror=alert(1)>\n$$",
            r"$x</mi></math><img src=x onerror=alert(1)>$",
            # Raw MathML in the chapter, with the namespace-confusion (mutation XSS) tricks.
            "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
            "<math><mi><style><img src=x onerror=alert(1)></style></mi></math>",
            '<math><annotation-xml encoding="text/html"><img src=x onerror=alert(1)>'
            "</annotation-xml></math>",
            'x <math href="javascript:alert(1)"><mi xlink:href="javascript:alert(1)">x</mi></math>',
        ],
    )
    def test_nothing_in_math_can_run_or_link(self, markdown: str) -> None:
        facts = assert_inert(render_html(markdown))
        assert not facts.tags() & {"a", "img", "script"}
        for tag, name, _value in facts.attributes():
            assert name not in ("href", "class", "style") or tag == "code", (tag, name)

    @pytest.mark.parametrize("tex", FORMULAS)
    def test_the_sanitizer_keeps_what_latex2mathml_writes(self, tex: str) -> None:
        written = read_html(convert(tex, display="block"))
        shown = read_html(render_html(f"$${tex}$$"))
        assert [e.tag for e in shown.elements] == [e.tag for e in written.elements]
        assert shown.attributes() == written.attributes()
