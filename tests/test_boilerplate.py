import pytest

from newsweave.boilerplate import is_known_boilerplate, leading_furniture


@pytest.mark.parametrize(
    "text",
    [
        "Tweet with a location You can add location information to your Tweets, such as your "
        "city or precise location, from the web and via third-party applications.",
        "You always have the option to delete your Tweet location history.",
        "These crawls are part of an effort to archive pages as they are created.",
        "Media playback is unsupported on your device",
        "Rating is available when the video has been rented.",
        "Click here to get those and more in the newsletter.",
    ],
)
def test_scrape_failures_are_known(text):
    assert is_known_boilerplate(text)


@pytest.mark.parametrize(
    "text",
    [
        "The senator said he would click through the slides with reporters.",
        "Shares of the company fell after it said it would track users' location.",
        "Twitter said on Monday that it would let users delete their history.",
    ],
)
def test_news_is_not_boilerplate(text):
    assert not is_known_boilerplate(text)


@pytest.mark.parametrize(
    ("text", "rest"),
    [
        ("ADVERTISEMENT \u201cWe vote this fall,\u201d McConnell said.", "\u201cWe vote"),
        ("Advertisement The council met on Monday.", "The council"),
        ("Share Tweet Share Send Link ISIS has released a new video.", "ISIS has"),
        ("Tweet View Comments \"Next Tuesday,\" said the campaign.", "\"Next Tuesday"),
        ("Story Continued Below The disclosure form was filed.", "The disclosure"),
        ("| Photo by Reuters Close \"I understand,\" he said.", "\"I understand"),
        ("Image copyright Reuters Image caption Migrants cross into Croatia.", "Migrants cross"),
        ("Media playback is unsupported on your device Media caption The BBC's reporter is "
         "at the border.", "The BBC's"),
        ("ADVERTISEMENT Story Continued Below The form was filed.", "The form"),
        ("CLOSE Yu Darvish was hit early and often.", "Yu Darvish"),
    ],
)
def test_leading_furniture_is_cut(text, rest):
    assert text[leading_furniture(text):].startswith(rest)


@pytest.mark.parametrize(
    "text",
    [
        "Share prices fell sharply on Monday.",
        "Advertisement revenue fell by a third.",
        "Email addresses of 3,000 staff were leaked.",
        "Tweets by the president drew criticism.",
        "Close to 500 people were evacuated on Monday.",
    ],
)
def test_sentences_that_only_look_like_furniture_are_kept(text):
    assert leading_furniture(text) == 0
