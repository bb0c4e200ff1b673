"""`campaign letter render` and `campaign letter batch`."""

from __future__ import annotations

from tests.letters.conftest import pdf_text

RENDER = ["letter", "render", "--campaign", "demo", "--recipient", "emb-gb", "--name", "Jane Doe",
          "--country", "GB", "--city", "London"]


def test_render_writes_pdf(letters_app, tmp_path):
    out = tmp_path / "letter.pdf"
    result = letters_app.test_cli_runner().invoke(args=[*RENDER, "--locale", "en", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Jane Doe" in pdf_text(out.read_bytes())


def test_render_output_takes_its_mode_from_the_umask(letters_app, tmp_path, umask):
    out = tmp_path / "letter.pdf"
    umask(0o027)
    letters_app.test_cli_runner().invoke(args=[*RENDER, "--locale", "en", "-o", str(out)])
    assert out.stat().st_mode & 0o777 == 0o640


def test_render_reads_message_file(letters_app, tmp_path):
    message = tmp_path / "message.txt"
    message.write_text("\ufeffMy own paragraph.\n\nAnd a second one.", encoding="utf-8")
    out = tmp_path / "letter.pdf"
    letters_app.test_cli_runner().invoke(args=[*RENDER, "--locale", "en", "--message-file",
                                               str(message), "-o", str(out)])
    assert "And a second one." in pdf_text(out.read_bytes())


def test_render_warns_when_strings_are_untranslated(letters_app, tmp_path):
    (tmp_path / "locales").mkdir(exist_ok=True)
    result = letters_app.test_cli_runner().invoke(
        args=[*RENDER, "--locale", "ko", "-o", str(tmp_path / "x.pdf")])
    assert "WARNING" in result.output and "not translated into ko" in result.output


def test_render_unknown_recipient_names_it(letters_app, tmp_path):
    args = [*RENDER, "-o", str(tmp_path / "x.pdf")]
    args[args.index("emb-gb")] = "nobody"
    result = letters_app.test_cli_runner().invoke(args=args)
    assert result.exit_code != 0 and "nobody" in result.output
    assert "Traceback" not in result.output


def test_render_language_outside_campaign_is_refused(letters_app, tmp_path):
    result = letters_app.test_cli_runner().invoke(
        args=[*RENDER, "--locale", "it", "-o", str(tmp_path / "x.pdf")])
    assert result.exit_code != 0 and "the letter's language 'it'" in result.output


def _signers(tmp_path):
    csv_file = tmp_path / "signers.csv"
    csv_file.write_text("\ufeffname,country,city,postcode,message\n"
                        "Ann,GB,London,N1,Hello\n"
                        "Bad,XYZ,,,\n"
                        "김민준,KR,Busan,48058,\"첫째\n\n둘째\"\n", encoding="utf-8")
    return csv_file


def test_batch_writes_one_pdf_with_every_good_row(letters_app, tmp_path):
    out = tmp_path / "all.pdf"
    letters_app.test_cli_runner().invoke(args=[
        "letter", "batch", "--campaign", "demo", "--recipient", "emb-gb", "--locale", "en",
        "--signers", str(_signers(tmp_path)), "-o", str(out)])
    text = pdf_text(out.read_bytes())
    assert "Ann" in text and "김민준" in text and "Bad" not in text


def test_batch_reports_bad_rows_with_file_and_row(letters_app, tmp_path):
    signers = _signers(tmp_path)
    result = letters_app.test_cli_runner().invoke(args=[
        "letter", "batch", "--campaign", "demo", "--recipient", "emb-gb", "--locale", "en",
        "--signers", str(signers), "-o", str(tmp_path / "all.pdf")])
    assert f"{signers}:3: the country 'XYZ'" in result.output
    assert "skipped 1 bad row" in result.output and result.exit_code == 1


def test_batch_to_folder_writes_one_pdf_per_signer(letters_app, tmp_path):
    out = tmp_path / "letters-out"
    letters_app.test_cli_runner().invoke(args=[
        "letter", "batch", "--campaign", "demo", "--recipient", "emb-gb", "--locale", "en",
        "--signers", str(_signers(tmp_path)), "-o", f"{out}/"])
    assert sorted(p.name for p in out.iterdir()) == ["letter-00001.pdf", "letter-00002.pdf"]


def _batch_to_folder(letters_app, tmp_path, out):
    return letters_app.test_cli_runner().invoke(args=[
        "letter", "batch", "--campaign", "demo", "--recipient", "emb-gb", "--locale", "en",
        "--signers", str(_signers(tmp_path)), "-o", f"{out}/"])


def _earlier_batch(out, letters: int = 4):
    """A folder holding an earlier batch of ``letters`` letters, each reading ``old``."""
    out.mkdir()
    for index in range(1, letters + 1):
        (out / f"letter-{index:05d}.pdf").write_bytes(b"old")


def test_batch_to_folder_removes_letters_of_an_earlier_larger_batch(letters_app, tmp_path):
    out = tmp_path / "letters-out"
    _earlier_batch(out)
    _batch_to_folder(letters_app, tmp_path, out)
    contents = {p.name: p.read_bytes()[:4] for p in out.iterdir()}
    assert contents == {"letter-00001.pdf": b"%PDF", "letter-00002.pdf": b"%PDF"}


def test_batch_to_folder_keeps_files_that_are_not_its_letters(letters_app, tmp_path):
    out = tmp_path / "letters-out"
    _earlier_batch(out)
    others = ["notes.txt", "letter-1.pdf", "letter-00003.txt", "cover-00003.pdf"]
    for name in others:
        (out / name).write_text("mine", encoding="utf-8")
    _batch_to_folder(letters_app, tmp_path, out)
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [*others, "letter-00001.pdf", "letter-00002.pdf"])


def test_batch_to_folder_says_how_many_earlier_letters_it_removed(letters_app, tmp_path):
    out = tmp_path / "letters-out"
    _earlier_batch(out, letters=5)
    result = _batch_to_folder(letters_app, tmp_path, out)
    assert "removed 3 letter file(s) of an earlier batch" in result.output


def test_batch_to_folder_that_fails_leaves_the_folder_as_it_was(letters_app, tmp_path):
    out = tmp_path / "letters-out"
    _earlier_batch(out, letters=3)
    (out / "letter-00002.pdf").unlink()
    (out / "letter-00002.pdf").mkdir()  # the second letter cannot take its place
    result = _batch_to_folder(letters_app, tmp_path, out)
    assert result.exit_code == 1
    assert {p.name: p.is_dir() or p.read_bytes() for p in out.iterdir()} == {
        "letter-00001.pdf": b"old", "letter-00002.pdf": True, "letter-00003.pdf": b"old"}


def test_batch_to_folder_that_fails_names_the_file_in_the_way(letters_app, tmp_path):
    out = tmp_path / "letters-out"
    (out / "letter-00002.pdf").mkdir(parents=True)
    result = _batch_to_folder(letters_app, tmp_path, out)
    assert result.output.splitlines()[-1] == \
        f"Error: {out / 'letter-00002.pdf'}: Is a directory"


BATCH = ["letter", "batch", "--campaign", "demo", "--recipient", "emb-gb", "--locale", "en"]


def _batch(letters_app, signers, out):
    return letters_app.test_cli_runner().invoke(args=[*BATCH, "--signers", str(signers),
                                                      "-o", str(out)])


def test_batch_signers_not_utf8_names_file_and_line(letters_app, tmp_path):
    signers = tmp_path / "b.csv"
    signers.write_bytes(b"name,country\nAnn,GB\nRen\xe9,FR\n")
    result = _batch(letters_app, signers, tmp_path / "all.pdf")
    assert result.exit_code == 2
    assert f"{signers}:3: not UTF-8 text (save the file as CSV UTF-8)" in result.output
    assert "codec" not in result.output


def test_render_message_file_not_utf8_names_file_and_line(letters_app, tmp_path):
    message = tmp_path / "m.txt"
    message.write_bytes(b"First line.\nCaf\xe9.\n")
    result = letters_app.test_cli_runner().invoke(args=[
        *RENDER, "--locale", "en", "--message-file", str(message), "-o", str(tmp_path / "x.pdf")])
    assert result.exit_code == 2
    assert f"{message}:2: not UTF-8 text" in result.output and "codec" not in result.output


def test_batch_bad_row_over_several_lines_is_named_by_its_first_line(letters_app, tmp_path):
    signers = tmp_path / "s.csv"
    signers.write_text('name,country,message\nAnn,GB,Hi\nBad,XYZ,"one\ntwo\nthree"\n',
                       encoding="utf-8")
    result = _batch(letters_app, signers, tmp_path / "all.pdf")
    assert f"{signers}:3: the country 'XYZ'" in result.output


def test_batch_quote_left_open_is_reported(letters_app, tmp_path):
    signers = tmp_path / "s.csv"
    signers.write_text('name,country,message\nAnn,GB,Hi\nBen,GB,"open\nCid,GB,Hi\n',
                       encoding="utf-8")
    result = _batch(letters_app, signers, tmp_path / "all.pdf")
    assert f"{signers}:3: a quote is left open: lines 3–4 were read as one row" in result.output
    assert result.exit_code == 1


def test_batch_header_without_country_names_the_missing_column(letters_app, tmp_path):
    signers = tmp_path / "s.csv"
    signers.write_text("name,city\nAnn,London\n", encoding="utf-8")
    result = _batch(letters_app, signers, tmp_path / "all.pdf")
    assert result.exit_code == 2
    assert f"{signers}:1: the header has no column country" in result.output


def test_render_output_under_a_file_is_refused(letters_app, tmp_path):
    (tmp_path / "afile").write_text("x")
    out = tmp_path / "afile" / "x.pdf"
    result = letters_app.test_cli_runner().invoke(args=[*RENDER, "--locale", "en",
                                                        "-o", str(out)])
    assert result.exit_code == 2
    assert f"{tmp_path / 'afile'} is a file, not a folder" in result.output


def test_batch_output_neither_pdf_nor_folder_is_refused(letters_app, tmp_path):
    out = tmp_path / "b10.txt"
    result = _batch(letters_app, _signers(tmp_path), out)
    assert result.exit_code == 2 and "ending in .pdf" in result.output
    assert not out.exists()


def test_batch_reports_a_row_with_characters_no_font_has(letters_app, tmp_path):
    signers = tmp_path / "signers.csv"
    signers.write_text("name,country\nAnn,GB\nSmiley 🙂,GB\n", encoding="utf-8")
    result = _batch(letters_app, signers, tmp_path / "all.pdf")
    assert f"{signers}:3: the name has characters that no installed font can print: 🙂" \
        in result.output
    assert "Rendered 1 letter(s)" in result.output and result.exit_code == 1


def test_render_name_with_characters_no_font_has_is_refused(letters_app, tmp_path):
    out = tmp_path / "x.pdf"
    result = letters_app.test_cli_runner().invoke(args=[
        "letter", "render", "--campaign", "demo", "--recipient", "emb-gb", "--locale", "en",
        "--name", "Jane 🙂", "--country", "GB", "-o", str(out)])
    assert result.exit_code == 1 and "no installed font can print: 🙂" in result.output
    assert not out.exists()


def test_render_output_not_pdf_is_refused(letters_app, tmp_path):
    out = tmp_path / "letter.txt"
    result = letters_app.test_cli_runner().invoke(args=[*RENDER, "--locale", "en",
                                                        "-o", str(out)])
    assert result.exit_code == 2 and "ending in .pdf" in result.output
    assert not out.exists()
