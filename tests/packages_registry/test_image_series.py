"""packages_registry.images: MLflow's log_image file names parsed into one series per key."""

from packages_registry.images import image_name_parse, image_series_from_paths

UID = "0f8fad5b-d9cb-469f-a165-70867728950e"


def test_current_and_legacy_names_parse():
    assert image_name_parse(f"images/samples+step+3+timestamp+1700+{UID}.png") == (
        "samples",
        3,
        1700,
        UID,
        False,
    )
    assert image_name_parse(f"images/a~b+step+0+timestamp+1+{UID}+compressed.webp") == (
        "a/b",
        0,
        1,
        UID,
        True,
    )
    assert image_name_parse(f"images/old%step%2%timestamp%5%{UID}.png") == ("old", 2, 5, UID, False)


def test_other_files_are_not_series():
    assert image_name_parse("images/plain.png") is None
    assert image_name_parse(f"figures/samples+step+3+timestamp+1700+{UID}.png") is None
    assert image_name_parse(f"images/sub/x+step+1+timestamp+1+{UID}.png") is None
    assert image_name_parse(f"images/x+step+1%timestamp%1%{UID}.png") is None  # mixed separators


def test_series_pair_full_and_compressed_and_sort_by_step():
    other = UID.replace("0f8", "1f8")
    files = [
        (1, f"images/s+step+2+timestamp+9+{UID}.png"),
        (2, f"images/s+step+2+timestamp+9+{UID}+compressed.webp"),
        (3, f"images/s+step+0+timestamp+5+{other}.png"),
        (4, f"images/t+step+0+timestamp+5+{other}+compressed.webp"),
        (5, "images/readme.txt"),
    ]
    series = image_series_from_paths(files)
    assert [s.key for s in series] == ["s", "t"]
    s = series[0]
    assert [(i.step, i.file_id, i.compressed_file_id) for i in s.steps] == [(0, 3, None), (2, 1, 2)]
    assert series[1].steps[0].file_id is None and series[1].steps[0].compressed_file_id == 4
    assert series[0].as_dict()["steps"][1] == {"step": 2, "timestamp": 9, "file_id": 1, "thumb_id": 2}
