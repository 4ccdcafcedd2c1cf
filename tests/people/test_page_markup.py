"""people.markup.render_markdown: Markdown in, sanitised HTML out."""

from django.utils.safestring import SafeString

from people.markup import render_markdown


def test_render_markdown_renders_markdown():
    html = render_markdown("Some *emphasis* and **bold**.\n\n- one\n- two")

    assert html == (
        "<p>Some <em>emphasis</em> and <strong>bold</strong>.</p>\n<ul>\n<li>one</li>\n"
        "<li>two</li>\n</ul>"
    )
    assert isinstance(html, SafeString)


def test_render_markdown_strips_scripts_with_their_content():
    assert render_markdown("Hi <script>alert('x')</script> there") == "<p>Hi  there</p>"


def test_render_markdown_strips_event_handlers():
    html = render_markdown('<p onclick="steal()">text</p> <b onmouseover="x()">b</b>')

    assert html == "<p>text</p>\n<p><b>b</b></p>"


def test_render_markdown_drops_images_and_their_onerror():
    assert render_markdown('<img src="x" onerror="alert(1)">') == "<p></p>"


def test_render_markdown_drops_javascript_links_and_sets_rel():
    html = render_markdown("[bad](javascript:alert(1)) and [good](https://example.org)")

    assert html == (
        '<p><a rel="noopener noreferrer">bad</a> and '
        '<a href="https://example.org" rel="noopener noreferrer">good</a></p>'
    )


def test_render_markdown_keeps_the_text_of_h1_and_h2_but_not_the_tags():
    # The page owns its h1 and h2 outline.
    html = render_markdown("# Title\n\n## Part\n\n### Detail")

    assert html == "Title\nPart\n<h3>Detail</h3>"


def test_render_markdown_of_empty_text_is_empty():
    assert render_markdown("") == ""
