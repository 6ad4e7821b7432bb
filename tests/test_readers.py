"""File readers: real files from ../shared/data, synthetic ones for the rest, hostile input too."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from curbside.ingest.chunking import (
    MAX_WORDS,
    chunk,
    chunk_blocks,
    collapse,
    paragraph_spans,
    split_sentences,
)
from curbside.ingest.document import Document, ReaderError, UnsupportedFile
from curbside.ingest.readers import READERS, read_file
from curbside.ingest.readers.markdown import clean_markdown
from curbside.ingest.readers.spl import section_text

# -- helpers ----------------------------------------------------------------------------------


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def raw(path: Path) -> str:
    """The file's text as the readers decode it (no newline translation)."""
    return path.read_bytes().decode("utf-8", errors="replace")


def words(text: str) -> int:
    return len(text.split())


def assert_sound(documents: list[Document]) -> None:
    """What holds for every reader: non-empty clean passages of bounded size, sane spans."""
    assert documents
    for document in documents:
        assert document.key and document.title and document.passages
        for passage in document.passages:
            assert passage.text and passage.text == collapse(passage.text)
            assert words(passage.text) <= MAX_WORDS
            assert 0 <= passage.start < passage.end


def make_pdf(lines: list[str]) -> bytes:
    """A one-page PDF, Helvetica text, written by hand with a correct xref table."""
    content = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(f"({line}) Tj T*" for line in lines)
    content += " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]"
        " /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    table = "".join(f"{offset:010d} 00000 n \n" for offset in offsets)
    out += (
        f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n{table}"
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode("latin-1")
    return out


@pytest.fixture(scope="module")
def data(shared: Path) -> Path:
    return shared / "data"


# -- chunking ---------------------------------------------------------------------------------


def test_sentences_do_not_split_on_abbreviations_or_numbers() -> None:
    text = (
        "Give G-CSF, e.g. filgrastim, i.e. a growth factor. Smith et al. Reported this. "
        "Dr. Jones compared A vs. B at 0.5 mg/kg. ANC fell below 1.5 x 10^9/L in most. "
        "See section 5.1 Myelosuppression. Stop now!"
    )
    sentences = [text[a:b] for a, b in split_sentences(text)]
    assert sentences == [
        "Give G-CSF, e.g. filgrastim, i.e. a growth factor.",
        "Smith et al. Reported this.",
        "Dr. Jones compared A vs. B at 0.5 mg/kg.",
        "ANC fell below 1.5 x 10^9/L in most.",
        "See section 5.1 Myelosuppression.",
        "Stop now!",
    ]


def test_list_items_start_sentences() -> None:
    text = "Watch for:\n * fever\n * chills\n1. Martin L, et al. Cachexia."
    assert [text[a:b] for a, b in split_sentences(text)] == [
        "Watch for:",
        "* fever",
        "* chills",
        "1. Martin L, et al. Cachexia.",
    ]


def test_chunk_groups_paragraphs_and_keeps_offsets() -> None:
    text = "\n\n".join(f"Paragraph {n} says  a few\nthings." for n in range(40)) + "\n"
    passages = chunk(text, paragraph_spans(text), "S")
    assert len(passages) > 1
    for passage in passages:
        assert passage.section == "S"
        assert collapse(text[passage.start : passage.end]) == passage.text
        assert words(passage.text) <= MAX_WORDS
    assert " ".join(p.text for p in passages) == collapse(text)


def test_chunk_splits_long_paragraphs_at_sentences_then_words() -> None:
    sentence = "Neutropenia, e.g. after 0.5 mg of drug, needs care. "
    long_paragraph = sentence * 60  # 540 words, one paragraph
    run_on = "word " * 500  # one sentence of 500 words
    text = long_paragraph + "\n\n" + run_on
    passages = chunk(text, paragraph_spans(text), "S")
    assert all(words(p.text) <= MAX_WORDS for p in passages)
    assert all(collapse(text[p.start : p.end]) == p.text for p in passages)
    assert all(p.text.startswith("Neutropenia") for p in passages if "needs" in p.text)
    assert not any(p.text.endswith(("e.g.", "0.")) for p in passages)
    assert sum(words(p.text) for p in passages) == words(text)


def test_chunk_never_crosses_a_section() -> None:
    text = "One short paragraph.\n\nAnother short one.\n\nA third."
    spans = paragraph_spans(text)
    blocks = [("A", *spans[0]), ("B", *spans[1]), ("B", *spans[2])]
    passages = chunk_blocks(text, blocks)
    assert [(p.section, p.text) for p in passages] == [
        ("A", "One short paragraph."),
        ("B", "Another short one. A third."),
    ]


# -- FDA label section text --------------------------------------------------------------------


@pytest.fixture(scope="module")
def fda_files(data: Path) -> list[Path]:
    return sorted((data / "fda_labels" / "Txt").glob("*.txt"))


def test_all_fda_label_files_read_with_exact_offsets(fda_files: list[Path]) -> None:
    assert len(fda_files) == 239
    for path in fda_files:
        documents = read_file(path)
        assert_sound(documents)
        text = raw(path)
        (document,) = documents
        assert document.kind == "drug-label" and document.key.startswith("label:")
        for passage in document.passages:
            assert collapse(text[passage.start : passage.end]) == passage.text


def test_bendamustine_warnings_have_numbered_sections(data: Path) -> None:
    path = data / "fda_labels" / "Txt" / "BENDAMUSTINE_warnings_and_precautions.txt"
    (document,) = read_file(path)
    assert document.key == "label:bendamustine" and document.drugs == ["bendamustine"]
    assert document.title == "BENDAMUSTINE label: Warnings and precautions"
    sections = [p.section for p in document.passages]
    assert sections[0] == "Warnings and precautions > Highlights"
    assert "Warnings and precautions > 5.2 Infections" in sections
    myelo = [p for p in document.passages if "5.1 Myelosuppression" in p.section]
    assert myelo and "myelosuppression" in myelo[0].text.lower()
    assert not any("WARNINGS AND PRECAUTIONS" in p.text for p in document.passages)


def test_deferiprone_boxed_warning_mentions_agranulocytosis(data: Path) -> None:
    (document,) = read_file(data / "fda_labels" / "Txt" / "DEFERIPRONE_boxed_warnings.txt")
    assert document.key == "label:deferiprone"
    assert "agranulocytosis" in document.passages[0].text.lower()
    assert {p.section for p in document.passages} == {
        "Boxed warnings",
        "Boxed warnings > Highlights",
    }


def test_fda_heading_variants(data: Path) -> None:
    txt = data / "fda_labels" / "Txt"
    (crofelemer,) = read_file(txt / "CROFELEMER_warnings_and_precautions.txt")  # "5. 1  Risks"
    heading = "> 5.1 Risks of Treatment in Patients with Infectious Diarrhea"
    assert any(p.section.endswith(heading) for p in crofelemer.passages)
    (carfilzomib,) = read_file(txt / "CARFILZOMIB_adverse_reactions.txt")
    assert any(
        p.section.count(" > ") == 2 and "> 6.1.1 " in p.section for p in carfilzomib.passages
    )
    (estradiol,) = read_file(txt / "ESTRADIAL_adverse_reactions.txt")
    assert estradiol.key == "label:estradial"


def test_plain_text_file(tmp_path: Path) -> None:
    path = write(tmp_path, "notes_on_care.txt", "First paragraph.\n\n\nSecond  paragraph.\n")
    (document,) = read_file(path)
    assert (document.key, document.kind) == ("doc:notes_on_care", "document")
    assert [p.text for p in document.passages] == ["First paragraph. Second paragraph."]
    assert raw(path)[document.passages[0].start : document.passages[0].end].endswith("paragraph.")


# -- Markdown ---------------------------------------------------------------------------------


def test_nci_markdown_pages(data: Path) -> None:
    pages = sorted((data / "nci_pdq").rglob("*.md"))
    for path in pages:
        documents = read_file(path)
        assert_sound(documents)
        text = raw(path)
        for passage in documents[0].passages:
            assert clean_markdown(text[passage.start : passage.end]) == passage.text
            assert "![" not in passage.text and "](" not in passage.text
            assert not passage.section.endswith("References")
    treatment = data / "nci_pdq" / "treatment"
    (infection,) = read_file(treatment / "about-cancer-treatment-side-effects-infection.md")
    assert infection.key == "nci:about-cancer-treatment-side-effects-infection"
    assert infection.kind == "patient-information"
    assert infection.url == "https://www.cancer.gov/about-cancer/treatment/side-effects/infection"
    assert any("Ways to prevent infection" in p.section for p in infection.passages)
    assert any("Wash your hands often and well." in p.text for p in infection.passages)
    # "##" alone on a line takes its text from the next non-empty line
    chemo = data / "nci_pdq" / "cancer-types" / "about-cancer-treatment-types-chemotherapy.md"
    sections = {p.section for p in read_file(chemo)[0].passages}
    assert "Chemotherapy to Treat Cancer > How chemotherapy works against cancer" in sections


def test_markdown_that_is_not_nci(tmp_path: Path) -> None:
    page = "---\ntitle: Food safety\nurl: https://example.org/food\n---\n\n# Food\n\n"
    page += "Wash **all** produce; see [the guide](https://example.org/g) ![x](y.png).\n"
    (document,) = read_file(write(tmp_path, "food.md", page))
    assert (document.key, document.kind, document.title) == ("page:food", "web-page", "Food safety")
    assert [p.text for p in document.passages] == ["Wash all produce; see the guide ."]
    assert document.passages[0].section == "Food"


def test_markdown_drops_raw_html(tmp_path: Path) -> None:
    page = (
        '# Page\n\nSafe <b>text</b> and <script>alert("pwned")</script> more.\n\n'
        '<script>\nvar a = "pwned";\n\nalert("pwned");\n</script>\n\n<!-- pwned\n\n-->\n'
        "After <img src=x onerror=\"alert('pwned')\"> the end (<MM/DD/YYYY>).\n"
    )
    (document,) = read_file(write(tmp_path, "raw.md", page))
    assert [p.text for p in document.passages] == [
        "Safe text and more. After the end (<MM/DD/YYYY>)."
    ]


def test_markdown_without_text_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ReaderError, match="no text"):
        read_file(write(tmp_path, "empty.md", "---\ntitle: Nothing\n---\n\n# Heading only\n"))


# -- CTCAE ------------------------------------------------------------------------------------


def test_ctcae_v5(data: Path) -> None:
    path = data / "ctcae_v5" / "CTCAE_v5.0.csv"
    (document,) = read_file(path)
    assert (document.key, document.kind) == ("ctcae:v5", "grading-criteria")
    assert len(document.passages) == 837
    text = raw(path)
    for passage in document.passages:
        assert passage.text and passage.section.count(" > ") == 1
        body = re.sub(r"(Grade \d|Definition|Navigational note): ", "", passage.text)
        body = body.replace("not available", "")  # CTCAE's dash for a grade that does not exist
        assert all(word in text[passage.start : passage.end] for word in re.findall(r"\w+", body))
        assert ": -" not in passage.text
    (neutrophils,) = [
        p for p in document.passages if p.section.endswith("> Neutrophil count decreased")
    ]
    assert neutrophils.section == "Investigations > Neutrophil count decreased"
    grade3 = re.search(r"Grade 3: ([^.]*\.[^.]*)", neutrophils.text)
    assert grade3 and "<1000 - 500/mm3" in grade3.group(1)
    assert "Grade 5: not available" in neutrophils.text
    # One passage per term: only "Hearing impaired" (three populations per grade) runs long.
    long = [p.section for p in document.passages if words(p.text) > 1.2 * MAX_WORDS]
    assert long == ["Ear and labyrinth disorders > Hearing impaired"]


def test_ctcae_v4(data: Path) -> None:
    (document,) = read_file(data / "ctcae_v5" / "CTCAE_4.03.csv")
    assert document.key == "ctcae:v4.03"
    assert len(document.passages) == 790


def test_csv_that_is_not_ctcae_is_unsupported(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedFile, match="unsupported CSV"):
        read_file(write(tmp_path, "x.csv", "a,b\n1,2\n"))


# -- MedQuAD ----------------------------------------------------------------------------------


def test_medquad_cdc_and_nhlbi(data: Path) -> None:
    files = sorted((data / "medquad").glob("*_QA*/*.xml"))
    documents = [d for path in files for d in read_file(path)]
    assert_sound(documents)
    assert len(documents) == 829  # every question has a non-empty answer
    assert len({d.key for d in documents}) == 829  # qids repeat across CDC and NHLBI
    for document in documents:
        assert document.kind == "qa" and document.title
        assert document.url and document.url.startswith("http")
        assert all(document.title not in p.text for p in document.passages)
        assert not any("&apos;" in p.text or "&quot;" in p.text for p in document.passages)
    first = next(d for d in documents if d.key == "medquad:cdc:0000001-1")
    assert first.title.startswith("What is (are) Acanthamoeba")
    assert first.passages[0].section == (
        "Acanthamoeba - Granulomatous Amebic Encephalitis (GAE); Keratitis > information"
    )
    text = raw(data / "medquad" / "9_CDC_QA" / "0000001.xml")
    span = text[first.passages[0].start : first.passages[0].end]
    assert span.startswith("Acanthamoeba is a microscopic") and "<" not in span


# -- PubMedQA ---------------------------------------------------------------------------------


def test_pubmedqa(data: Path) -> None:
    path = data / "pubmedqa" / "ori_pqal.json"
    documents = read_file(path)
    assert_sound(documents)
    assert len(documents) == 1000
    entries = json.loads(path.read_text(encoding="utf-8"))
    first = documents[0]
    entry = entries["21645374"]
    assert first.key == "pmid:21645374" and first.kind == "abstract"
    assert first.title == entry["QUESTION"] and first.year == 2011
    assert [p.section for p in first.passages] == entry["LABELS"]
    joined = "\n\n".join(entry["CONTEXTS"])
    assert all(collapse(joined[p.start : p.end]) == p.text for p in first.passages)
    for document in documents[:50]:
        entry = entries[document.key.removeprefix("pmid:")]
        conclusion = collapse(entry["LONG_ANSWER"])[:60]
        assert all(conclusion not in p.text for p in document.passages)
        assert all(document.title not in p.text for p in document.passages)


def test_other_json_is_unsupported(data: Path) -> None:
    with pytest.raises(UnsupportedFile, match="unsupported JSON"):
        read_file(data / "pubmedqa" / "test_ground_truth.json")


# -- openFDA ----------------------------------------------------------------------------------

OPENFDA_RECORD = {
    "set_id": "b1a2c3d4-0000-4000-8000-000000000002",
    "effective_time": "20230115",
    "boxed_warning": ["WARNING: AGRANULOCYTOSIS. Deferiprone can cause agranulocytosis."],
    "warnings_and_cautions": [
        "5 WARNINGS AND PRECAUTIONS 5.1 Agranulocytosis and Neutropenia Measure the ANC.",
        "5.2 Liver Enzyme Elevations Monitor ALT.",
    ],
    "adverse_reactions": ["The most common adverse reactions are nausea and vomiting."],
    "openfda": {
        "brand_name": ["Ferriprox"],
        "generic_name": ["DEFERIPRONE"],
        "pharm_class_epc": ["Iron Chelator [EPC]"],
        "spl_set_id": ["5f3b0c9e-0000-4000-8000-000000000001"],
    },
}


def test_openfda_results(tmp_path: Path) -> None:
    other = {"openfda": {"generic_name": ["FILGRASTIM"]}, "warnings": ["Splenic rupture."]}
    no_text = {"openfda": {"generic_name": ["NOTHING"]}}
    content = json.dumps({"meta": {}, "results": [OPENFDA_RECORD, other, no_text]})
    documents = read_file(write(tmp_path, "labels.json", content))
    assert_sound(documents)
    first, second = documents
    assert (first.key, first.kind, first.title) == (
        "label:deferiprone",
        "drug-label",
        "Ferriprox (deferiprone) label",
    )
    assert first.drugs == ["deferiprone"] and first.brand_names == ["Ferriprox"]
    assert first.pharm_classes == ["Iron Chelator [EPC]"] and first.year == 2023
    assert first.set_id == "5f3b0c9e-0000-4000-8000-000000000001"
    assert first.url and first.set_id in first.url
    sections = [p.section for p in first.passages]
    assert sections == ["Boxed warning", "Warnings and cautions", "Adverse reactions"]
    field = "\n\n".join(OPENFDA_RECORD["warnings_and_cautions"])
    warnings = first.passages[1]
    assert collapse(field[warnings.start : warnings.end]) == warnings.text
    assert (second.key, second.passages[0].section) == ("label:filgrastim", "Warnings")


def test_openfda_single_record_and_list(tmp_path: Path) -> None:
    (one,) = read_file(write(tmp_path, "one.json", json.dumps(OPENFDA_RECORD)))
    listed = read_file(write(tmp_path, "list.json", json.dumps([OPENFDA_RECORD] * 2)))
    assert one.key == "label:deferiprone" and len(listed) == 2


def test_openfda_without_label_text_is_an_error(tmp_path: Path) -> None:
    content = json.dumps({"results": [{"openfda": {"generic_name": ["X"]}}]})
    with pytest.raises(ReaderError, match="no label text"):
        read_file(write(tmp_path, "empty.json", content))


# -- DailyMed SPL -----------------------------------------------------------------------------

SPL = """<?xml version="1.0" encoding="UTF-8"?>
<document xmlns="urn:hl7-org:v3">
  <title>These highlights do not include all the information needed to use NEUPOGEN</title>
  <effectiveTime value="20230115"/>
  <setId root="8c1d6b3a-0000-4000-8000-000000000001"/>
  <component><structuredBody>
    <component><section>
      <code code="48780-1" displayName="SPL PRODUCT DATA ELEMENTS SECTION"/>
      <subject><manufacturedProduct><manufacturedProduct>
        <name>Neupogen</name>
        <asEntityWithGeneric><genericMedicine><name>FILGRASTIM</name></genericMedicine>
        </asEntityWithGeneric>
      </manufacturedProduct></manufacturedProduct></subject>
    </section></component>
    <component><section>
      <code code="34066-1" displayName="BOXED WARNING SECTION"/>
      <text><paragraph>Splenic rupture, including fatal cases, has been reported.</paragraph></text>
    </section></component>
    <component><section>
      <code code="43685-7" displayName="WARNINGS AND PRECAUTIONS SECTION"/>
      <title>5 WARNINGS AND PRECAUTIONS</title>
      <component><section>
        <title>5.1 Splenic Rupture</title>
        <text>
          <paragraph>Evaluate patients who report left upper abdominal
            or shoulder pain for an enlarged spleen.</paragraph>
          <list><item>Monitor the <content styleCode="bold">ANC</content> twice weekly.</item>
            <item>Stop if ANC &gt; 10,000/mm<sup>3</sup>.</item></list>
          <table><tbody><tr><td>Grade 3</td><td>ANC &lt; 1000</td></tr></tbody></table>
        </text>
      </section></component>
    </section></component>
  </structuredBody></component>
</document>
"""


def test_spl_label(tmp_path: Path) -> None:
    (document,) = read_file(write(tmp_path, "neupogen.xml", SPL))
    assert (document.key, document.kind) == ("label:filgrastim", "drug-label")
    assert document.drugs == ["filgrastim"] and document.brand_names == ["Neupogen"]
    assert document.set_id == "8c1d6b3a-0000-4000-8000-000000000001" and document.year == 2023
    assert document.url and document.set_id in document.url
    boxed, warnings = document.passages
    assert boxed.section == "BOXED WARNING SECTION"
    assert warnings.section == "5 WARNINGS AND PRECAUTIONS > 5.1 Splenic Rupture"
    assert warnings.text == (
        "Evaluate patients who report left upper abdominal or shoulder pain for an enlarged"
        " spleen. Monitor the ANC twice weekly. Stop if ANC > 10,000/mm3. Grade 3 ANC < 1000"
    )
    text = next(e for e in ET.fromstring(SPL).iter() if e.tag.endswith("text") and len(e) > 1)
    flat = section_text(text)
    assert collapse(flat[warnings.start : warnings.end]) == warnings.text


def test_xml_with_entity_declarations_is_refused(tmp_path: Path) -> None:
    bomb = (
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>\n'
        "<document>&lol2;</document>\n"
    )
    with pytest.raises(ReaderError, match="DOCTYPE or ENTITY"):
        read_file(write(tmp_path, "bomb.xml", bomb))


def test_other_xml_is_unsupported(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedFile, match="unsupported XML"):
        read_file(write(tmp_path, "feed.xml", "<rss><channel/></rss>"))


# -- HTML -------------------------------------------------------------------------------------

HOSTILE_HTML = """<!DOCTYPE html>
<html><head><title>Neutropenia &amp; infection</title>
<link rel="canonical" href="https://www.cancer.gov/about-cancer/neutropenia">
<style>body { color: red } .pwned-style { }</style>
<script>alert("pwned-script")</script>
</head>
<body onload="alert('pwned-onload')">
<!-- pwned-comment -->
<h1>Low white cells</h1>
<p>Neutropenia is a low number of <b>neutrophils</b>, e.g. after chemotherapy&nbsp;drugs.</p>
<img src=x onerror="alert('pwned-onerror')">
<noscript><p>pwned-noscript</p></noscript>
<template><p>pwned-template</p></template>
<iframe src="javascript:alert(1)">pwned-iframe</iframe>
<object data="x.swf">pwned-object</object>
<h2>What to do</h2>
<ul><li>Call your doctor if it is 38.0 &deg;C or higher.</li><li>Wash hands.</li></ul>
<h3>Details</h3><div>Grade 3 is <1000/mm3.<br>Grade 4 is <500/mm3.</div>
<script type="text/javascript">var x = "</p>pwned-script2";</script>
</body></html>
"""


def test_hostile_html_leaks_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, "neutropenia.html", HOSTILE_HTML)
    (document,) = read_file(path)
    assert (document.key, document.kind) == ("nci:neutropenia", "patient-information")
    assert document.title == "Neutropenia & infection"
    assert document.url == "https://www.cancer.gov/about-cancer/neutropenia"
    everything = " ".join(p.text + " " + p.section for p in document.passages)
    assert "pwned" not in everything and "alert" not in everything
    assert [p.section for p in document.passages] == [
        "Low white cells",
        "Low white cells > What to do",
        "Low white cells > What to do > Details",
    ]
    assert [p.text for p in document.passages] == [
        "Neutropenia is a low number of neutrophils, e.g. after chemotherapy drugs.",
        "Call your doctor if it is 38.0 °C or higher. Wash hands.",
        "Grade 3 is <1000/mm3. Grade 4 is <500/mm3.",
    ]
    text = raw(path)
    first = document.passages[0]
    assert text[first.start : first.end].startswith("Neutropenia is a low number of <b>")
    assert text[first.start : first.end].endswith("chemotherapy&nbsp;drugs.")


def test_html_page_that_is_not_nci(tmp_path: Path) -> None:
    (document,) = read_file(write(tmp_path, "page.htm", "<p>Plain page text.</p>"))
    assert (document.key, document.kind, document.title) == ("page:page", "web-page", "page")


# -- PDF --------------------------------------------------------------------------------------


def test_pdf_text_is_extracted(tmp_path: Path) -> None:
    lines = ["Filgrastim shortens neutropenia.", "Give it e.g. 24 hours after chemotherapy."]
    (document,) = read_file(write(tmp_path, "leaflet.pdf", make_pdf(lines)))
    assert (document.key, document.kind, document.title) == ("doc:leaflet", "document", "leaflet")
    (passage,) = document.passages
    assert passage.section == "Page 1"
    assert passage.text == " ".join(lines)


def test_bad_pdfs_are_errors(tmp_path: Path) -> None:
    good = make_pdf(["Some text."])
    with pytest.raises(ReaderError, match="unreadable PDF"):
        read_file(write(tmp_path, "truncated.pdf", good[: len(good) // 2]))
    with pytest.raises(ReaderError, match="not a PDF"):
        read_file(write(tmp_path, "fake.pdf", b"hello, not a pdf"))
    with pytest.raises(ReaderError, match="no extractable text"):
        read_file(write(tmp_path, "blank.pdf", make_pdf([])))
    writer = PdfWriter()
    writer.append(PdfReader(write(tmp_path, "plain.pdf", good)))
    writer.encrypt("secret", algorithm="RC4-128")
    writer.write(tmp_path / "locked.pdf")
    with pytest.raises(ReaderError, match="encrypted"):
        read_file(tmp_path / "locked.pdf")


# -- bad input of every kind ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "why"),
    [
        ("empty.txt", "", "empty file"),
        ("blank.md", "  \n\n ", "empty file"),
        ("empty.json", "", "empty file"),
        ("empty.xml", "\n", "empty file"),
        ("junk.txt", bytes(range(256)) * 4, "binary"),
        ("junk.html", b"\x89PNG\r\n\x1a\n" + bytes(range(128, 256)) * 8, "not UTF-8"),
        ("cut.json", '{"results": [{"openfda": {', "malformed JSON"),
        ("cut.xml", "<document><component><section>", "malformed XML"),
        ("bad.csv", "CTCAE Term,Grade 1\n,\n", "no CTCAE terms"),
        ("front.md", "---\ntitle: [unclosed\n---\n\nText.\n", "malformed front matter"),
        ("list.json", "[1, 2, 3]", "unsupported JSON"),
    ],
)
def test_bad_files_raise_clear_errors(
    tmp_path: Path, name: str, content: str | bytes, why: str
) -> None:
    path = write(tmp_path, name, content)
    with pytest.raises(ReaderError, match=why) as error:
        read_file(path)
    assert str(error.value).startswith(f"{path}: ")


def test_unsupported_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedFile, match="unsupported file type"):
        read_file(write(tmp_path, "report.docx", b"PK\x03\x04"))
    with pytest.raises(ReaderError, match="cannot read"):
        read_file(tmp_path / "missing.txt")
    (tmp_path / "folder.md").mkdir()
    with pytest.raises(ReaderError, match="folder"):
        read_file(tmp_path / "folder.md")
    assert set(READERS) >= {".txt", ".json", ".xml", ".md", ".html", ".csv", ".pdf"}
