"""``campaign i18n check`` catches each defect a translation can bring, with its file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from campaign.i18n import catalogs


def line_of(path: Path, text: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {path}")


def msgid_line(path: Path, start: str) -> int:
    return line_of(path, 'msgid "' + start)


def run_check(runner, *args: str):
    return runner.invoke(args=["i18n", "check", *args])


def test_check_passes_on_shipped_catalogs(runner):
    result = run_check(runner)
    assert result.exit_code == 0, result.output


def test_check_renamed_percent_placeholder_fails_with_line(runner, write_po):
    path = write_po('''\
        #, python-format
        msgid "Signed by %(name)s"
        msgstr "Signé par %(nom)s"
        ''')
    result = run_check(runner, str(path))
    assert result.exit_code == 1
    assert f"{path}:{msgid_line(path, 'Signed by')}: " in result.output
    assert "%(nom)s" in result.output


def test_check_removed_percent_placeholder_fails(runner, write_po):
    path = write_po('''\
        #, python-format
        msgid "Signed by %(name)s"
        msgstr "Signé"
        ''')
    result = run_check(runner, str(path))
    assert result.exit_code == 1
    assert f"{path}:{msgid_line(path, 'Signed by')}: " in result.output


def test_check_renamed_brace_placeholder_fails_with_line(runner, write_po):
    path = write_po('''\
        msgid "Hello"
        msgstr "Bonjour"

        msgid "Thank you, {name}."
        msgstr "Merci, {nom}."
        ''')
    result = run_check(runner, str(path))
    assert result.exit_code == 1
    assert f"{path}:{msgid_line(path, 'Thank you')}: " in result.output
    assert "{nom}" in result.output


def test_check_added_link_fails_with_line(runner, write_po):
    path = write_po('''\
        msgid "Read the letter."
        msgstr "Lisez <a href=\\"https://example.org/\\">la lettre</a>."
        ''')
    result = run_check(runner, str(path))
    assert result.exit_code == 1
    assert f"{path}:{msgid_line(path, 'Read the letter')}: " in result.output
    assert "xmltags" in result.output


def test_check_unclosed_link_fails_with_line(runner, write_po):
    path = write_po('''\
        msgid "Read <a href=\\"%(url)s\\">the letter</a>."
        msgstr "Lisez <a href=\\"%(url)s\\">la lettre."
        ''')
    result = run_check(runner, str(path))
    assert result.exit_code == 1
    assert f"{path}:{msgid_line(path, 'Read <a')}: " in result.output


def test_check_added_image_fails_with_line(runner, write_po):
    path = write_po('''\
        msgid "Dear Minister,"
        msgstr "Monsieur le Ministre, <img src=file:///etc/passwd>"
        ''')
    result = run_check(runner, str(path))
    assert result.exit_code == 1
    assert f"{path}:{msgid_line(path, 'Dear Minister')}: " in result.output


def test_check_same_tags_pass(runner, write_po):
    path = write_po('''\
        #, python-format
        msgid "Read <a href=\\"%(url)s\\">the letter</a>."
        msgstr "Lisez <a href=\\"%(url)s\\">la lettre</a>."
        ''')
    result = run_check(runner, str(path))
    assert result.exit_code == 0, result.output


ARABIC_FIVE_FORMS = '''\
    #, python-format
    msgid "%(num)s signature"
    msgid_plural "%(num)s signatures"
    msgstr[0] "%(num)s توقيع"
    msgstr[1] "توقيع واحد (%(num)s)"
    msgstr[2] "توقيعان (%(num)s)"
    msgstr[3] "%(num)s توقيعات"
    msgstr[4] "%(num)s توقيعًا"
    '''


def test_check_arabic_entry_with_five_forms_fails_with_line(runner, write_po):
    path = write_po(ARABIC_FIVE_FORMS, locale="ar")
    result = run_check(runner, str(path))
    assert result.exit_code == 1
    assert f"{path}:{msgid_line(path, '%(num)s signature')}: 5 plural forms" in result.output


def test_check_arabic_header_with_five_forms_fails_with_line(runner, write_po):
    path = write_po(ARABIC_FIVE_FORMS, locale="ar",
                    plural_forms="nplurals=5; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : "
                                 "n%100>=3 && n%100<=10 ? 3 : 4);")
    result = run_check(runner, str(path))
    assert result.exit_code == 1
    assert f"{path}:{line_of(path, 'Plural-Forms')}: Plural-Forms says nplurals=5" \
        in result.output


def test_check_fuzzy_entry_fails_with_line(runner, write_po):
    path = write_po('''\
        #, fuzzy
        msgid "Dear Minister,"
        msgstr "Monsieur le Ministre,"
        ''')
    result = run_check(runner, str(path))
    assert result.exit_code == 1
    assert f"{path}:{msgid_line(path, 'Dear Minister')}: fuzzy" in result.output


def test_check_invalid_syntax_fails_with_line(runner, write_po):
    path = write_po('''\
        msgid "Dear Minister,"
        msgstr "Monsieur le Ministre,"
        msgtxt "oops"
        ''')
    result = run_check(runner, str(path))
    assert result.exit_code == 1
    assert f"{path}:{line_of(path, 'msgtxt')}: invalid syntax" in result.output


def test_check_untranslated_is_a_warning_with_coverage(runner, write_po):
    path = write_po('''\
        msgid "Dear Minister,"
        msgstr "Monsieur le Ministre,"

        msgid "Respectfully yours,"
        msgstr ""
        ''')
    result = run_check(runner, str(path))
    assert result.exit_code == 0, result.output
    assert "50.0% translated (1/2, 0 fuzzy, 1 untranslated)" in result.output


def test_check_require_complete_fails_on_untranslated_with_line(runner, write_po):
    path = write_po('''\
        msgid "Dear Minister,"
        msgstr "Monsieur le Ministre,"

        msgid "Respectfully yours,"
        msgstr ""
        ''')
    result = run_check(runner, "--require-complete", str(path))
    assert result.exit_code == 1
    assert f"{path}:{msgid_line(path, 'Respectfully')}: untranslated" in result.output


@pytest.fixture
def stale_runner(make_app, copy_layout):
    """A runner on a copy of the catalogs freshly extracted from the sources as they are now."""
    catalogs.write_template(copy_layout, catalogs.extract(copy_layout))
    return make_app(LOCALES_DIR=str(copy_layout.locales_dir)).test_cli_runner()


def _drop_entry(pot: Path, msgid: str) -> None:
    blocks = pot.read_text(encoding="utf-8").split("\n\n")
    kept = [b for b in blocks if f'msgid "{msgid}"' not in b]
    assert len(kept) == len(blocks) - 1
    pot.write_text("\n\n".join(kept), encoding="utf-8")


def test_check_stale_template_missing_string_fails_naming_its_source(stale_runner, copy_layout):
    _drop_entry(copy_layout.template, "Respectfully yours,")
    result = stale_runner.invoke(args=["i18n", "check"])
    assert result.exit_code == 1
    assert "letters/_layout/letter.html:" in result.output
    assert f"'Respectfully yours,' is not in {copy_layout.template}" in result.output


def test_check_stale_template_extra_string_fails_with_line(stale_runner, copy_layout):
    with copy_layout.template.open("a", encoding="utf-8") as pot:
        pot.write('\nmsgid "A sentence no template contains"\nmsgstr ""\n')
    result = stale_runner.invoke(args=["i18n", "check"])
    assert result.exit_code == 1
    line = line_of(copy_layout.template, "A sentence no template contains")
    assert f"messages.pot:{line}: 'A sentence no template contains' is no longer in the sources" \
        in result.output


def test_check_unterminated_string_fails_with_line(runner, write_po):
    path = write_po('''\
        msgid "Dear Minister,"
        msgstr "Monsieur le Ministre,
        ''')
    result = run_check(runner, str(path))
    assert result.exit_code == 1
    line = line_of(path, 'msgstr "Monsieur')
    assert f"{path}:{line}: invalid syntax: unterminated" in result.output


def test_check_plural_form_without_plural_source_fails_with_line(runner, write_po):
    path = write_po('''\
        msgid "Dear Minister,"
        msgstr[0] "Monsieur le Ministre,"
        ''')
    result = run_check(runner, str(path))
    assert result.exit_code == 1
    assert f"{path}:{line_of(path, 'msgstr[0]')}: invalid syntax" in result.output


def test_check_byte_not_utf8_fails_with_its_line(runner, write_po):
    path = write_po('''\
        msgid "Dear Minister,"
        msgstr "Monsieur le Ministre,"

        msgid "Respectfully yours,"
        msgstr "Veuillez agreer"
        ''')
    line = line_of(path, "Veuillez")
    # "agréer" saved as Latin-1 by an editor: one byte that is not UTF-8.
    path.write_bytes(path.read_bytes().replace(b"agreer", "agréer".encode("latin-1")))
    result = run_check(runner, str(path))
    assert result.exit_code == 1
    assert f"{path}:{line}: byte 0xe9 is not UTF-8" in result.output


def test_check_latin1_charset_header_fails_with_its_line(runner, write_po):
    path = write_po('''\
        msgid "Respectfully yours,"
        msgstr "Veuillez agréer"
        ''')
    path.write_text(path.read_text(encoding="utf-8").replace("charset=utf-8", "charset=latin-1"),
                    encoding="utf-8")
    result = run_check(runner, str(path))
    assert result.exit_code == 1
    assert f"{path}:{line_of(path, 'Content-Type')}: the header says charset=latin-1, but " \
        "catalogs must be UTF-8" in result.output


def test_check_duplicate_message_fails_with_both_lines(runner, write_po):
    path = write_po('''\
        msgid "Dear Minister,"
        msgstr "Monsieur le Ministre,"

        msgid "Respectfully yours,"
        msgstr "Veuillez agréer"

        msgid "Dear Minister,"
        msgstr "Madame la Ministre,"
        ''')
    first, repeat = (number for number, line in
                     enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                     if line == 'msgid "Dear Minister,"')
    result = run_check(runner, str(path))
    assert result.exit_code == 1
    assert f"{path}:{repeat}: duplicate message definition: 'Dear Minister,' is defined on " \
        f"line {first} already" in result.output



def test_check_configured_language_without_catalog_fails_naming_it(make_app, copy_layout):
    shutil.rmtree(copy_layout.locales_dir / "ko")
    result = make_app(LOCALES_DIR=str(copy_layout.locales_dir)).test_cli_runner().invoke(
        args=["i18n", "check"])
    assert result.exit_code == 1
    assert f"{copy_layout.catalog('ko')}: missing: ko is one of the app's LANGUAGES but has no " \
        "catalog" in result.output
def test_check_byte_order_mark_passes(runner, write_po):
    path = write_po('''\
        msgid "Dear Minister,"
        msgstr "Monsieur le Ministre,"
        ''')
    path.write_bytes(b"\xef\xbb\xbf# A catalog saved with a byte-order mark\n" + path.read_bytes())
    result = run_check(runner, str(path))
    assert result.exit_code == 0, result.output


def test_check_empty_catalog_fails_saying_it_is_empty(runner, write_po):
    path = write_po("")
    path.write_bytes(b"")
    result = run_check(runner, str(path))
    assert result.exit_code == 1
    assert f"{path}:1: the file is empty" in result.output
    assert "marked fuzzy" not in result.output


def test_check_catalog_without_header_fails_saying_so(runner, write_po):
    path = write_po('''\
        msgid "Dear Minister,"
        msgstr "Monsieur le Ministre,"
        ''')
    text = path.read_text(encoding="utf-8")
    path.write_text(text[text.index('msgid "Dear'):], encoding="utf-8")
    result = run_check(runner, str(path))
    assert result.exit_code == 1
    assert f"{path}:1: no header entry" in result.output
    assert "marked fuzzy" not in result.output


def test_check_korean_entry_with_a_form_too_many_fails_on_the_entry(runner, write_po):
    path = write_po('''\
        msgid "%(num)s signature"
        msgid_plural "%(num)s signatures"
        msgstr[0] "서명 %(num)s개"
        msgstr[1] "서명 %(num)s개"
        ''', locale="ko")
    result = run_check(runner, str(path))
    assert result.exit_code == 1
    assert (f"{path}:{line_of(path, 'msgstr[1]')}: ko has 1 plural form (msgstr[0]): "
            "remove msgstr[1]") in result.output


def test_check_plural_forms_header_with_too_few_forms_fails_on_the_header(runner, write_po):
    path = write_po('''\
        msgid "Dear Minister,"
        msgstr "Monsieur le Ministre,"

        msgid "%(num)s signature"
        msgid_plural "%(num)s signatures"
        msgstr[0] "%(num)s signature"
        msgstr[1] "%(num)s signatures"
        ''', plural_forms="nplurals=1; plural=0;")
    result = run_check(runner, str(path))
    assert result.exit_code == 1
    assert (f"{path}:{line_of(path, 'Plural-Forms')}: the Plural-Forms header says nplurals=1, "
            f"but line {line_of(path, 'msgstr[1]')} gives msgstr[1]: restore the header "
            "(fr: 'nplurals=2; plural=(n > 1);')") in result.output


@pytest.fixture
def fr_missing_one(copy_layout) -> Path:
    """The copied fr catalog without its first message, as if it were not merged yet."""
    path = copy_layout.catalog("fr")
    catalog = catalogs.read(path)
    first = next(m for m in catalog if m.id)
    catalog.delete(first.id, first.context)
    path.write_bytes(catalogs.serialize(catalog))
    return path


def test_check_given_file_counts_the_template(runner, copy_layout, fr_missing_one):
    total = sum(1 for m in catalogs.read(copy_layout.template) if m.id)
    result = run_check(runner, str(fr_missing_one))
    assert f"{fr_missing_one}: ok; {100 * (total - 1) / total:.1f}% translated " \
        f"({total - 1}/{total}," in result.output


def test_check_given_incomplete_file_with_require_complete_fails(runner, fr_missing_one):
    result = run_check(runner, "--require-complete", str(fr_missing_one))
    assert result.exit_code == 1
    assert f"{fr_missing_one}: not in this catalog yet" in result.output




def test_check_msgid_edited_in_the_catalog_is_named_with_its_line(runner, copy_layout):
    path = copy_layout.catalog("fr")
    text = path.read_text(encoding="utf-8")
    edited = text.replace('msgid "Sign the petition"', 'msgid "Sign this petition"', 1)
    path.write_text(edited, encoding="utf-8")
    line = edited.splitlines().index('msgid "Sign this petition"') + 1
    result = run_check(runner, str(path))
    assert f"{path}:{line}: warning: not in messages.pot: 'Sign this petition'" in result.output
    assert "1 untranslated" in result.output


PLURAL_ENTRY = '''\
    msgid "%(num)s signature"
    msgid_plural "%(num)s signatures"
    msgstr[0] "%(num)s signature"
    msgstr[1] "%(num)s signatures"
    '''


def test_check_plural_expression_that_does_not_parse_fails_on_the_header(runner, write_po):
    path = write_po(PLURAL_ENTRY, plural_forms="nplurals=2; plural=(n > ;")
    result = run_check(runner, str(path))
    assert result.exit_code == 1
    assert (f"{path}:{line_of(path, 'Plural-Forms')}: the Plural-Forms expression '(n >' "
            "cannot be read") in result.output
    assert "restore the header (fr: 'nplurals=2; plural=(n > 1);')" in result.output


def test_check_plural_expression_past_its_forms_fails_on_the_header(runner, write_po):
    path = write_po(PLURAL_ENTRY, plural_forms="nplurals=2; plural=(n > 1 ? 7 : 0);")
    result = run_check(runner, str(path))
    assert result.exit_code == 1
    assert (f"{path}:{line_of(path, 'Plural-Forms')}: the Plural-Forms expression gives form 7 "
            "for n=2, but nplurals=2") in result.output


def test_check_plural_expression_other_than_the_languages_fails_on_the_header(runner, write_po):
    path = write_po(PLURAL_ENTRY, plural_forms="nplurals=2; plural=(n == 5);")
    result = run_check(runner, str(path))
    assert result.exit_code == 1
    assert (f"{path}:{line_of(path, 'Plural-Forms')}: the Plural-Forms expression gives n=0 "
            "and n=2 the same form, where fr gives them different forms") in result.output


def test_check_arabic_plural_forms_in_gnu_gettexts_order_pass(runner, write_po):
    path = write_po(ARABIC_FIVE_FORMS + 'msgstr[5] "%(num)s توقيع"\n', locale="ar",
                    plural_forms="nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : "
                                 "n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5);")
    result = run_check(runner, str(path))
    assert result.exit_code == 0, result.output


def test_check_plural_expression_written_another_way_passes(runner, write_po):
    path = write_po(PLURAL_ENTRY, plural_forms="nplurals=2; plural=n>1;")
    result = run_check(runner, str(path))
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("translation", ["Monsieur {{ 7*7 }}", "{% raw %}Monsieur{% endraw %}"])
def test_check_template_syntax_in_a_translation_fails_with_line(runner, write_po, translation):
    path = write_po(f'''\
        msgid "Dear Minister,"
        msgstr "{translation}"
        ''')
    result = run_check(runner, str(path))
    assert result.exit_code == 1
    assert f"{path}:{msgid_line(path, 'Dear Minister,')}: template syntax" in result.output


def test_check_straight_quote_added_in_a_page_translation_fails_with_line(runner, write_po):
    path = write_po("""\
        #: campaign/templates/base.html:20
        msgid "Languages"
        msgstr "Langues\\" hidden=\\"hidden"
        """)
    result = run_check(runner, str(path))
    assert result.exit_code == 1
    assert f"{path}:{msgid_line(path, 'Languages')}: a straight double quote" in result.output


def test_check_typographic_quotes_in_a_page_translation_pass(runner, write_po):
    path = write_po("""\
        #: campaign/templates/base.html:20
        msgid "Languages"
        msgstr "« Langues »"
        """)
    result = run_check(runner, str(path))
    assert result.exit_code == 0, result.output


def test_check_require_complete_summary_counts_the_untranslated_as_errors(runner,
                                                                          fr_missing_one):
    result = run_check(runner, "--require-complete", str(fr_missing_one))
    assert f"{fr_missing_one}: 1 error;" in result.output
