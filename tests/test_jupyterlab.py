"""Lessons in JupyterLab as the README opens them, driven by headless Chromium.

A person watches here, so the server runs without LABHELPERS_BATCH (conftest
sets it for the batch runs) and CI: training shows tqdm widget bars and lesson
05 shows its slider. JupyterLab serves a temporary copy of the repository's
layout (jupytext.toml and the lessons' .ipynb/.py pairs), and the profile is
switched to smoke in the editor, so no file of the repository changes."""

import shutil

import pytest
from browser import LAB_TOKEN as TOKEN
from browser import chromium_page, is_external, jupyterlab, require_chromium

from conftest import ROOT

LESSONS = ("01_sum_classifier", "05_exploding_vanishing")
# JupyterLab 4 draws tracebacks and stderr alike: red boxes with this mime type (the
# error type is listed too, for versions that tell them apart).
RED_BOXES = (
    '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"], '
    '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"]'
)
PROGRESS_BAR = ".jupyter-widgets.widget-hprogress"  # tqdm.notebook's bar
FIGURE = 'img[src^="data:image/png"]'
PNG_FIGURES = f".jp-OutputArea-output {FIGURE}"
# Done when no cell waits ([*]) and the last code cell ran, or a red box (an error) stopped Run All.
RUN_ALL_DONE = (
    """() => {
  const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')]
    .map(p => p.textContent);
  const red = document.querySelector('%s');
  return !prompts.some(text => text.includes('*')) && (red !== null || /\\d/.test(prompts.at(-1)));
}"""
    % RED_BOXES
)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """`jupyter lab` on 127.0.0.1 serving a copy of the two lessons; yields its base URL."""
    require_chromium()  # before the slow start: without a browser there is nothing to test
    home = tmp_path_factory.mktemp("jupyterlab")
    # The README starts JupyterLab at the repository root, where jupytext.toml pairs each
    # .ipynb with its .py: a copy of that layout, so that saving touches no file of the repository.
    book = home / "book"
    (book / "notebooks").mkdir(parents=True)
    shutil.copy2(ROOT / "jupytext.toml", book)
    for lesson in LESSONS:
        for suffix in (".ipynb", ".py"):
            shutil.copy2(ROOT / "notebooks" / f"{lesson}{suffix}", book / "notebooks")
    with jupyterlab(home, book) as base:
        yield base


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory):
    return tmp_path_factory.mktemp("jupyterlab-screenshots")


@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    with chromium_page(tmp_path_factory.mktemp("chromium-profile")) as (page, requests):
        yield page.context, requests


@pytest.fixture(scope="module")
def run_lesson(lab, chromium, screenshots):
    """Opens a lesson in its own tab and workspace, sets
    profile = "smoke", runs all cells; once per lesson."""
    context, _ = chromium
    pages = {}

    def run(lesson):
        if lesson not in pages:
            page = context.new_page()
            page.goto(f"{lab}/lab/workspaces/{lesson}/tree/notebooks/{lesson}.ipynb?token={TOKEN}")
            # The kernel is connected once the status bar reads "Python 3 (ipykernel) | Idle";
            # cells run before that are silently dropped.
            page.locator("#jp-main-statusbar", has_text="| Idle").wait_for(timeout=90_000)
            # What a student does: double-click the word quick in the parameters cell and type
            # smoke.
            line = page.locator(".jp-CodeCell .cm-line", has_text='profile = "quick"')
            line.locator("span", has_text='"quick"').first.dblclick()
            page.keyboard.type("smoke")
            assert (
                page.locator(".jp-CodeCell .cm-line", has_text='profile = "smoke"').count() == 1
            ), f'{lesson}: the parameters cell does not read profile = "smoke" after the edit'
            page.locator(".lm-MenuBar-itemLabel", has_text="Run").click()
            page.locator('.lm-Menu-item[data-command="runmenu:run-all"]').click()
            page.wait_for_function(RUN_ALL_DONE, timeout=300_000, polling=250)
            page.screenshot(path=screenshots / f"{lesson}.png")
            bars = page.locator(f".widget-hbox:has({PROGRESS_BAR})")
            if bars.count():
                bars.last.scroll_into_view_if_needed()
                page.evaluate(
                    "() => new Promise(done => requestAnimationFrame(() "
                    "=> requestAnimationFrame(done)))"
                )
                bars.last.screenshot(path=screenshots / f"{lesson}_progress.png")
            pages[lesson] = page
        return pages[lesson]

    return run


@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_runs_in_jupyterlab_with_progress_bars_and_figures(
    run_lesson, chromium, lesson, screenshots
):
    page = run_lesson(lesson)
    red = page.locator(RED_BOXES).all_inner_texts()
    assert not red, (
        f"{lesson}: error or stderr output in JupyterLab (screenshots in {screenshots}):\n"
        + "\n".join(red)
    )
    unexecuted = page.locator(".jp-CodeCell .jp-InputArea-prompt").evaluate_all(
        "prompts => prompts.filter(p => !/\\d/.test(p.textContent)).length"
    )
    assert unexecuted == 0, f"{lesson}: {unexecuted} code cells did not run"
    # tqdm.auto draws a widget bar for a person in JupyterLab; a text bar or a widget
    # the page cannot draw ("Error displaying widget") would show up here.
    bar_widths = page.locator(f".jp-OutputArea-output {PROGRESS_BAR}").evaluate_all(
        "bars => bars.map(bar => bar.getBoundingClientRect().width)"
    )
    assert bar_widths, f"{lesson}: no tqdm widget bar; outputs: {output_summary(page)}"
    # A bar squeezed to nothing by its long postfix text is no bar to the student.
    assert all(width > 50 for width in bar_widths), (
        f"{lesson}: tqdm widget bars drawn {bar_widths} px wide"
    )
    assert "Error displaying widget" not in page.locator(".jp-Notebook").inner_text()
    widths = page.locator(PNG_FIGURES).evaluate_all("images => images.map(img => img.naturalWidth)")
    assert widths and all(width > 0 for width in widths), (
        f"{lesson}: PNG figures and their widths: {widths}"
    )
    _, requests = chromium
    # The notebooks' Colab badge is the one outside resource; everything else is the local server.
    assert {url for url in requests if is_external(url)} <= {
        "https://colab.research.google.com/assets/colab-badge.svg"
    }


def test_slider_of_lesson_04_redraws_the_figure(run_lesson, screenshots):
    page = run_lesson("05_exploding_vanishing")
    interact = page.locator(".jp-OutputArea-output .widget-interact")
    assert interact.count() == 1, f"no slider in lesson 05; outputs: {output_summary(page)}"
    figure = interact.locator(FIGURE)
    figure.wait_for()
    before = figure.get_attribute("src")
    handle = interact.locator(".noUi-handle")
    assert handle.get_attribute("aria-valuenow") == "1.0"
    handle.focus()
    page.keyboard.press("End")  # one move, to the top of the range: one redraw
    assert interact.locator(".widget-readout").inner_text() == "2.00"
    # The slider's output widget clears and draws a new image for the new value.
    page.wait_for_function(
        """before => {
      const img = document.querySelector('.widget-interact %s');
      return img !== null && img.src !== before && img.complete && img.naturalWidth > 0;
    }"""
        % FIGURE,
        arg=before,
        timeout=60_000,
    )
    page.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"]', timeout=60_000)
    assert figure.count() == 1
    interact.screenshot(path=screenshots / "04_slider_at_2.00.png")


def output_summary(page) -> list[str]:
    """The mime type and first words of every output, for failure messages."""
    return page.locator(".jp-OutputArea-output").evaluate_all(
        "outputs => outputs.map(o => (o.dataset.mimeType "
        "|| o.className) + ': ' + o.innerText.slice(0, 80))"
    )
