using PrPortal.Features.Resend;

namespace PrPortal.Tests.Unit;

[Trait("Category", "Unit")]
public sealed class DelayNoticeTests
{
    [Fact]
    public void The_japanese_notice_has_no_half_width_space_between_japanese_words()
    {
        var filled = DelayNotice.Fill(DelayNotice.Default("ja"), new DateTime(2026, 11, 30, 8, 13, 0, DateTimeKind.Utc), "新製品発表のお知らせ", "株式会社さくらテック");

        // "株式会社さくらテックの「…」", "2026-11-30 17:13（日本時間）に配信": no stray ASCII space inside Japanese.
        Assert.Contains("株式会社さくらテックの「新製品発表のお知らせ」", filled.Text);
        Assert.Contains("17:13（日本時間）に配信", filled.Text);
        Assert.DoesNotMatch(@"[\u3040-\u30ff\u4e00-\u9fff）」] (?=[\u3040-\u30ff\u4e00-\u9fff（「])", filled.Text);
    }

    [Fact]
    public void The_built_in_templates_are_valid()
    {
        Assert.Empty(DelayNotice.Validate(DelayNotice.Default("ja")));
        Assert.Empty(DelayNotice.Validate(DelayNotice.Default("en")));
    }

    [Theory]
    [InlineData("<p>{sent_at}</p>", "unknown placeholder {sent_at}")]
    [InlineData("<p>遅延 <b>お詫び</p>", "<b> is not closed")]
    [InlineData("<p>遅延</p></div>", "</div> has no opening tag")]
    [InlineData("<p>遅延</p><script>alert(1)</script>", "<script> is not allowed")]
    [InlineData("<p onclick=\"x()\">遅延</p>", "attribute onclick on <p> is not allowed")]
    [InlineData("<p>{company</p>", "unbalanced braces")]
    public void A_broken_template_is_refused_with_the_reason(string html, string reason)
    {
        var errors = DelayNotice.Validate(new DelayNoticeTemplate("ja", "【再送】", html, "遅延のお知らせ"));

        // Each reason is kept as a key with its arguments and read in the reader's language.
        Assert.Contains(errors, e => PrPortal.Infrastructure.Text.LocalText.Plain(e).Contains(reason));
    }

    [Fact]
    public void Values_are_encoded_in_the_html_part_and_kept_as_they_are_in_the_text_part()
    {
        var filled = DelayNotice.Fill(DelayNotice.Default("en"), new DateTime(2026, 11, 1, 0, 30, 0, DateTimeKind.Utc), "A <script>x</script> & B", "ACME");

        Assert.Contains("A &lt;script&gt;x&lt;/script&gt; &amp; B", filled.Html);
        Assert.DoesNotContain("<script>", filled.Html);
        Assert.Contains("\"A <script>x</script> & B\" from ACME", filled.Text);
        Assert.Contains("2026-11-01 09:30 (Japan time)", filled.Text);
        Assert.Equal("[Resent] ", filled.SubjectPrefix);
    }
}
