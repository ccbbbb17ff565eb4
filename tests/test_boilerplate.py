import pytest

from newsweave.boilerplate import (
    byline_spans,
    caption_spans,
    is_known_boilerplate,
    is_page_notice,
    is_page_pointer,
    is_staff_line,
    leading_furniture,
    link_label_spans,
    name_boxes,
    photo_credit_spans,
    without,
    without_feed_footer,
)


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
        "Get push notifications with news, features and more.",
        "Breaking News Emails Get breaking news alerts and special reports.",
        "The news and stories that matter, delivered weekday mornings.",
        "You can switch location on/off before each Tweet and always have the option to "
        "delete your location history.",
        "The WARC files associated with this crawl are not currently available to the "
        "general public.",
        "The goal is to fix all broken links on the web .",
        "Please verify you're not a robot by clicking the box.",
        "Wait 1 second to continue.",
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
        "The app sends push notifications when news breaks, its maker said.",
        "The crawl along the border took the migrants three days.",
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
        ("(THE CANADIAN PRESS/HO-www.example.com) View larger image Police investigate.",
         "Police investigate"),
        ("Play Facebook Twitter Embed Drone strikes plane 2:49 autoplay Copy this code to "
         "your website or blog A British Airways pilot reported a drone.", "A British Airways"),
        ("Story highlights At least 327 incidents were close calls, \"the density is high,\" "
         "expert says (CNN) Hundreds of drones fly close to aircraft.", "Hundreds of drones"),
        ("(AP Photo/Susan Walsh) (Associated Press) President Trump gives a thumbs-up.",
         "President Trump"),
        ("(Photo: USA TODAY) In October, news broke of the split.", "In October"),
        ("Photo: Tomassio Boddi (Getty Images) The rapper released an album.", "The rapper"),
        ("(Photo: Thomas Shea, USA TODAY Sports) HOUSTON \u2013 The World Series was roiled.",
         "HOUSTON"),
        ("[Updated at 5:15 p.m. PDT April 10: Tracking how flies turn should help, she said.",
         "Tracking how"),
        ("[Updated at 10:49 a.m., Aug. 18: In a statement Bobbins said he was fine.",
         "In a statement"),
        ("(Associated Press) Lauri Love smiles as he leaves the court.", "Lauri Love"),
        ("(Reuters) \u201cWe will appeal,\u201d the lawyer said.", "\u201cWe will"),
        ("(CBC) Police removed a bag containing a human foot.", "Police removed"),
        ("(CNN) Special counsel Robert Mueller's investigators have questioned him.",
         "Special counsel"),
        ("Update: The NTSB said an intern had confirmed the names.", "The NTSB"),
        ("UPDATE (2:15 p.m.): Police said the road had reopened.", "Police said"),
        ("(Published Monday, Nov. 19, 2018) Rapper Snoop Dogg received a star.", "Rapper"),
        ("Advertisement Continue reading the main story The inquiry was announced.", "The inquiry"),
        ("Photo WASHINGTON \u2014 The head of the Forest Service stepped down.", "WASHINGTON"),
        ("Published on May 8, 2015 ESA astronaut Samantha Cristoforetti shows how.", "ESA"),
        ("Image caption Goce needed its engine power to stay in orbit.", "Goce"),
        ("(PHOTOS: Pols speak out on gun control) Though the media moved on, he did not.",
         "Though"),
        # an embedded tweet's signature, with the tweet's words before it
        ("\u2014 Amtrak (@Amtrak) September 7, 2016 Amtrak later cleared up the confusion.",
         "Amtrak later"),
        ("#uMadBro \u2014 STVN (@StevieJohnson13) April 3, 2013 War is nothing to play with.",
         "War is"),
        ("Donald J. Trump (@realDonaldTrump) November 23, 2018 ADVERTISEMENT Trump has kept "
         "the door open.", "Trump has"),
        ("Share on Facebook Share on Twitter A civilian was shot on Tuesday.", "A civilian"),
        ("Watch: About 15 minutes later the station corrected its mistake.", "About 15"),
        ("Caption Trump supporters gather in the capital.", "Trump supporters"),
        ("Luka Magnotta SUBMITTED IMAGE Police have named Magnotta a suspect.", "Police have"),
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
        "Story highlights of the week were the floods in the north.",
        "The code was copied to a website, investigators said.",
        "(Photo agencies were not allowed in, the court said.)",
        "Photo: a crowd gathers outside the court.",
        "(AP stylebook rules were changed in 2017.)",
        "Updated figures show a rise in prices.",
        "(Published figures show a rise.)",
        "Photo ID laws were struck down in Texas.",
        "(NATO/EU talks resumed on Monday.)",
        "(NATO) allies met in Brussels on Monday.",
        "(UN peacekeepers arrived on Monday.)",
        "View larger images of the comet on the agency's site, it said.",
        "Photos of the scene show damage.",
        "The senator (@SenSanders) 2016 campaign was long.",
        "Caption contests are popular at the fair.",
        "Watch parties were held across the state.",
        "Share prices on Facebook fell.",
    ],
)
def test_sentences_that_only_look_like_furniture_are_kept(text):
    assert leading_furniture(text) == 0


@pytest.mark.parametrize(
    ("text", "furniture"),
    [
        ("Find more details about cabin availability and prices here.", True),
        ("Watch the video below.", True),
        ("The Latest on political turmoil in Britain (all times local): 5:35 p.m.", True),
        ("If you would like to learn more about plural marriage in Utah, click here.", True),
        ("(AP Photo/Carolyn Kaster) Obama spoke after Boehner's office issued a statement.", False),
        ("We will see what happens here.", False),
        ("He came here to read the book below the bridge.", False),
        ("Reuters reported that the talks had failed.", False),
        ("In this Oct. 27, 2012 file photo, Christopher Kennedy Lawford appears at a lunch.",
         True),
        ("FILE - In this Thursday, April 26, 2018, file photo, Michael Avenatti talks.", True),
        ("This August 2012 photo shows four shallow chops to an incomplete skull.", True),
        ("Updated with a statement from the actress's attorney.", True),
        ("In this case, the court ruled for the plaintiffs.", False),
        ("In this photo-op era, candidates pose with anyone.", False),
        ("The photo shows the senator at the party, his aides said.", False),
        ("He updated with new figures on Monday.", False),
        ("Tell us about it on our Facebook page.", True),
        ("Evacuee Jon Warner, left, walks through rain with his son Ethan, right.", True),
        ("Deputy Attorney General Eric Holder, left, listens to Roger Adams.", True),
        ("The party moved right, left, and center over the years.", False),
        ("Voters on the left, not the right, backed him.", False),
        ("Escape Maneuver in a Flying Fly from Michael Dickinson on Vimeo.", True),
        ("He posted the clip on YouTube.", False),
        ("SEE ALSO: Council Calls Cover Racist Ida is sure her son played with it.", True),
        ("Related: the vote was close.", False),
        ("Staff Writer Randy Wyrick can be reached at 970-748-2935 or rw@vaildaily.com.", True),
        ("Ty Burr can be reached at tburr@globe.com.", True),
        ("The summit can be reached at 8,000 feet by cable car.", False),
        ("A deal can be reached at the next meeting, he said.", False),
        ("Correction: Earlier versions of this article misspelled the name.", True),
        ("This story has been updated with additional information.", True),
        ("The correction: prices fell 5 percent.", False),
        ("Josh Dawsey contributed to this report.", True),
        ("Smith contributed to this report's findings on the war, officials said.", False),
        ("\"Tell us the truth,\" she told our reporter.", False),
        # picture captions in the wire services' form: the place and full date close them
        ("An Afghan man cries at a protest outside a mosque in Kabul, Afghanistan, "
         "Wednesday, Sept. 15, 2010.", True),
        ("Theresa May makes a statement in Downing Street, London, Wednesday Dec. 12, 2018.",
         True),
        ("House Speaker John Boehner walks past media on Capitol Hill in Washington, Tuesday, "
         "April 5, 2011. (AP Photo/J. Scott Applewhite)", True),
        ("Lava advances towards a metal barrier in Puna, May 6, 2018.", True),
        ("The vote was held on Tuesday, Nov. 6, 2012.", False),
        ("Paramount Pictures will release the film July 22, 2011.", False),
        ("He met the ambassador on Wednesday, the paper said.", False),
        # link lists, copyright lines and picture credits left in the text
        ("More on the migrant crisis: The refugees who chose Brazil over Europe Hundreds of "
         "migrants remain stranded.", True),
        ("More than 200 people died in the storm.", False),
        ("Anyone with information is asked to call the police. \u00a9 2018 KREM-TV", True),
        ("REUTERS/Steve Dipaola The whole ordeal has Swonger pretty rattled.", True),
        ("WXCHASING via REUTERS The closures have added to a sense of disarray.", True),
        ("Cody Duty,AP Photo/Houston Chronicle Updated at 11:02 p.m.", True),
        ("Sarah L. Voisin/The Washington Post Buy Photo", True),
        ("Reuters reported the deal via its website on Monday.", False),
        ("He said he would buy photos of the crash from a bystander.", False),
        # a link's label in capitals, an embedded tweet with its picture link
        ("VIDEO: Cannibalism at Jamestown confirmed Owsley reported on the remains.", True),
        ("Legal in NYC but not on @instagram pic.twitter.com/YX9BymV6R6", True),
        ("The video: it shows the crash, police said.", False),
        # a credit left glued to a caption
        ('Photo: via Tumblr Room "When legally I didn\'t have to," Larson said.', True),
    ],
)
def test_page_furniture_is_never_lifted(text, furniture):
    assert is_page_pointer(text) is furniture


def test_an_empty_name_box_is_cut():
    text = "said Sen. John Kennedy John Neely KennedyMORE (R-La.), a member."
    assert without(text, name_boxes(text)) == "said Sen. John Kennedy (R-La.), a member."
    assert name_boxes("He said it would not happen ANYMORE, Smith Smith said.") == []


def test_name_box_is_cut_and_the_name_kept():
    text = ("Senate Majority Leader Mitch McConnell Addison (Mitch) Mitchell McConnellSunday "
            "shows preview: Supreme Court fight in the spotlight Appeals court nominees "
            "languish MORE (R-Ky.) said the Senate would act. The fight over President Trump "
            "Donald John TrumpScaramucci warns Trump must 'change tactics now' on trade "
            "MORE\u2019s next nomination began.")
    boxes = name_boxes(text)
    assert len(boxes) == 2
    assert without(text, boxes) == (
        "Senate Majority Leader Mitch McConnell (R-Ky.) said the Senate would act. The fight "
        "over President Trump\u2019s next nomination began.")


@pytest.mark.parametrize(
    "text",
    [
        "Sen. John McCain said MORE troops were needed.",
        "Mitch McConnell McConnell said more.",
        "President Trump met Donald Trump Jr. and MORE than 20 aides.",
        "Smith said the SMITH family would give MORE.",
    ],
)
def test_text_without_a_name_box_is_left_alone(text):
    assert name_boxes(text) == []


def test_the_tweet_signature_scan_is_bounded():
    """Tried at the front of every sentence holding "(@": each repeat in it is bounded, so a
    hostile sentence ("(@a)" and a long run of spaces) cannot make it backtrack for seconds."""
    import re

    from newsweave import boilerplate

    assert not re.search(r"(?<!\\)[*+]", boilerplate._TWEET_SIGNATURE.pattern)
    assert leading_furniture("(@a)" + " " * 100_000 + "x") == 0


def test_byline_spans_are_the_dateline_and_the_staff_credits():
    text = ("WASHINGTON (Reuters) - Sessions said he would recuse himself, here (Editing by "
            "Alison Williams)\n\nMore. (Additional reporting by Sayed Salahuddin; Editing by "
            "Paul Tait)")
    spans = [text[a:b] for a, b in byline_spans(text)]
    assert spans == ["WASHINGTON (Reuters) - ", "(Editing by Alison Williams)",
                     "(Additional reporting by Sayed Salahuddin; Editing by Paul Tait)"]
    assert byline_spans("The mayor (reporting to the council) spoke.") == []
    # an agency's mark closing the story or a paragraph (the founding example's "(ANI)" was
    # an entity); a parenthesis inside a sentence, or of several words, is none
    closing = "Spicer said Sessions had nothing to apologize for. (ANI)"
    assert [closing[a:b] for a, b in byline_spans(closing)] == ["(ANI)"]
    paragraphs = "The talks ended on Monday without a deal. (IANS)\nMore."
    assert [paragraphs[a:b] for a, b in byline_spans(paragraphs)] == ["(IANS)"]
    assert byline_spans("He met the head of NATO (the alliance) on Monday.") == []
    assert byline_spans("The vote was close (Reuters). More text.") == []
    assert byline_spans("It ended (in French)") == []


@pytest.mark.parametrize("text, kept", [
    ("A.\n\nThe post Dam opens appeared first on Wire Service.", "A."),
    ("Levee held.\n\nContinue reading...", "Levee held."),
    ("Levee held. […]", "Levee held."),
    ("Levee held. Read more »\n\nThe post X appeared first on Y.", "Levee held."),
    ("Read more about the levee in the report.", None),  # a sentence, not a link
    ("The post office appeared first on the list.", None),  # no line of its own
    ("Levee held.  ", None),  # nothing cut, nothing trimmed
])
def test_feed_footers_leave_the_entry(text, kept):
    assert without_feed_footer(text) == (text if kept is None else kept)


def test_feed_footer_search_reads_only_the_end():
    """Only the last 800 characters are searched (a long run of blank lines before an
    unfinished footer made the first pattern backtrack for seconds)."""
    text = "x" + "\n" * 200_000 + "The post " + "y " * 500
    assert without_feed_footer(text) == text
    assert without_feed_footer("The post A appeared first on B.\n" + "z" * 900) == (
        "The post A appeared first on B.\n" + "z" * 900)


def test_staff_lines_are_the_reports_not_the_news():
    assert is_staff_line("Tom Foreman Jr., Jessica Gresko and Jeff Horwitz contributed to this "
                         "report.")
    assert is_staff_line("Globe correspondent Hilary Sargent contributed reporting.")
    assert not is_staff_line("Donors contributed to the campaign, the report said.")
    assert not is_staff_line("The agency contributed to the report, which found 40 deaths.")
    assert is_page_pointer("Tom Foreman Jr. and Jessica Gresko contributed to this report.")


@pytest.mark.parametrize("text, notice", [
    ("© 2017 Thomson Reuters. All rights reserved.", True),
    ("Copyright 2000 Rodale Press Inc.", True),
    ("Follow us on Twitter @planetnews for the latest updates.", True),
    ("This article originally appeared on Planet News.", True),
    ("This story was first published in The Atlantic.", True),
    ("Sign up for the Guardian's daily US morning briefing", True),
    ("Subscribe to our newsletter for the latest news.", True),
    ("Voters can sign up for health insurance until Friday.", False),
    ("Follow Jane Roe on Twitter at https://twitter.com/janeroe", True),
    ("Follow AP's Jane Roe on Twitter: @janeroe", True),
    ("Follow the money on Twitter, the senator told donors.", False),
    ("Copyright Associated Press", True),
    ("The report was published on Tuesday by the inspector general.", False),
    ("The story was first published by the Guardian in 2013.", False),
    ("Copyright infringement suits rose last year.", False),
    ("Copyright Office officials said the rule was unclear.", False),
    ("The senator said the rights reserved for tribes were at stake.", False),
    ("Supporters follow him on Twitter in their millions.", False),
    ("The article appeared to contradict his testimony.", False),
    # an e-mail newsletter's own lines (stop 63: the first was a summary sentence)
    ("You are receiving this email because you signed up for Metro Morning.", True),
    ("View this email in your browser: https://metromorning.example/v/123", True),
    ("Unsubscribe | Manage preferences | 12 Main St, Springfield", True),
    ("Readers said they were receiving this email from the county twice.", False),
    ("Users can unsubscribe at any time, the company said.", False),
])
def test_page_notices(text, notice):
    assert is_page_notice(text) is notice
    if notice:
        assert is_page_pointer(text)  # never lifted into a summary either


@pytest.mark.parametrize("line, caption", [
    ("Jeff Sessions at his confirmation hearing in January. Photograph: Jim Lo Scalzo/EPA", True),
    ("Sessions leaves the Capitol. Photo: J. Scott Applewhite/AP", True),
    ("Protesters outside the White House (Photo by Jane Roe/Getty Images)", True),
    ("The crowd cheered. (Photo: AP) HOUSTON - The World Series was roiled on Friday.", False),
    ("Photo by the agency show the damage, officials said on Tuesday.", False),
    ("The museum will show the photograph: a portrait of the queen.", False),
])
def test_caption_lines_end_on_the_pictures_credit(line, caption):
    text = f"Sessions spoke on Thursday.\n\n{line}\n\nHe denied it."
    start = text.index(line)
    assert caption_spans(text) == ([(start, start + len(line))] if caption else [])
    credits = [text[a:b] for a, b in photo_credit_spans(text)]
    assert len(credits) == caption and all(c.lstrip("( ").startswith(("Photo", "Picture"))
                                           for c in credits)
    # a credit at the end of a text without line breaks says nothing of what is before it
    long = " ".join(["The council met again."] * 20) + " Photo: AP"
    assert caption_spans(long) == []


def test_link_labels_are_whole_lines():
    text = 'He spoke.\nRelated: Trump says he backs Sessions\n"See also: the hearing"\nNo: he said.'
    assert [text[a:b] for a, b in link_label_spans(text)] == [
        "Related: Trump says he backs Sessions", '"See also: the hearing"']
    # the label alone on its line, the linked headline (no final stop) under it
    text = "He spoke.\n\nRead More\nTrump says he has 'total' confidence in Sessions\n\nOK."
    assert [text[a:b] for a, b in link_label_spans(text)] == [
        "Read More\nTrump says he has 'total' confidence in Sessions"]
    text = "Related\nThe senator said he would resign.\n"  # a sentence, not a headline
    assert link_label_spans(text) == []
    # a label opening a long line is a text without line breaks, not a link
    assert link_label_spans("Related: " + "The senator said he would resign. " * 10) == []
