using PrPortal.Infrastructure.Csv;

namespace PrPortal.Tests.Unit;

[Trait("Category", "Unit")]
public sealed class CsvOutTests
{
    [Theory]
    [InlineData("=1+1", "'=1+1")]
    [InlineData("+81 3 1234", "'+81 3 1234")]
    [InlineData("-2+3", "'-2+3")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("\t=cmd", "'\t=cmd")]
    [InlineData("\r=cmd", "'\r=cmd")]
    [InlineData("株式会社=テスト", "株式会社=テスト")]
    [InlineData("", "")]
    public void Text_that_starts_like_a_formula_gets_an_apostrophe(string text, string expected) => Assert.Equal(expected, CsvOut.Cell(text));

    [Fact]
    public void Numbers_stay_numbers_even_negative_ones()
    {
        Assert.Equal("-3", CsvOut.Cell(-3));
        Assert.Equal("-12", CsvOut.Cell(-12L));
        Assert.Equal("0.2500", CsvOut.Cell(0.25));
        Assert.Equal("", CsvOut.Cell(null));
    }

    [Fact]
    public void Times_are_written_in_tokyo_with_their_offset()
    {
        Assert.Equal("2026-12-02T04:35:14+09:00", CsvOut.Cell(new DateTime(2026, 12, 1, 19, 35, 14, DateTimeKind.Utc)));
        // Past midnight in Tokyo is the next day.
        Assert.Equal("2026-12-02T00:10:00+09:00", CsvOut.Cell(new DateTime(2026, 12, 1, 15, 10, 0, DateTimeKind.Utc)));
    }
}
