using System.Globalization;
using PrPortal.Infrastructure.Text;

namespace PrPortal.Tests.Unit;

/// <summary>What the portal writes down is kept as a key with arguments and read in each reader's language.</summary>
[Trait("Category", "Unit")]
public sealed class LocalTextTests
{
    [Fact]
    public void A_stored_text_reads_in_english_and_in_japanese_with_the_remote_reply_as_received()
    {
        var stored = LocalText.Of("Detect.Recipients", 3, "10").Quoting("550 5.7.1 (S3150) blocked").Encode();

        Assert.Equal("3 recipients refused within 10 min: 550 5.7.1 (S3150) blocked", LocalText.Plain(stored));
        Assert.Equal("3 件の宛先が 10 分以内に拒否されました: 550 5.7.1 (S3150) blocked", LocalText.Plain(stored, CultureInfo.GetCultureInfo("ja-JP")));
        Assert.Equal("550 5.7.1 (S3150) blocked", LocalText.QuoteOf(stored));
    }

    [Fact]
    public void Arguments_cannot_break_the_encoding_and_plain_words_stay_as_they_are()
    {
        var stored = LocalText.Of("Event.NoteBy", "a\u001fb\u0002c").Quoting("x\u001dy").Encode();
        var text = LocalText.Decode(stored)!;

        Assert.Equal(["a b c"], text.Args);
        Assert.Equal("x y", text.Quote);
        Assert.Null(LocalText.Decode("a note typed by a person"));
        Assert.Equal("a note typed by a person", LocalText.Plain("a note typed by a person"));
    }

    [Fact]
    public void A_long_text_is_cut_in_its_quote_never_in_its_key_or_arguments()
    {
        var stored = LocalText.Of("Detect.Recipients", 3, "10").Quoting(new string('x', 5000)).Encode(2000);

        Assert.Equal(2000, stored.Length);
        Assert.Equal(["3", "10"], LocalText.Decode(stored)!.Args);
        Assert.StartsWith("3 recipients refused within 10 min: xxx", LocalText.Plain(stored));
    }
}
