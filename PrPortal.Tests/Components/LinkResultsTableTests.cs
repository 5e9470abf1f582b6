using System.Globalization;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace PrPortal.Tests.Components;

[Trait("Category", "Components")]
public sealed class LinkResultsTableTests
{
    [Fact]
    public async Task Link_results_show_translated_reasons_and_open_the_chain_on_request()
    {
        // MudTable's key interceptor is only async-disposable.
        await using var context = new BunitContext();
        context.Services.AddLocalization();
        context.Services.AddMudServices();
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = new CultureInfo("ja-JP");

        var link = new Features.LinkRisk.LinkResult("http://bit.ly/x", "https://www.example.co.jp/news",
            [new("http://bit.ly/x", 301), new("https://www.example.co.jp/news", 200)], Features.LinkRisk.Risk.Caution,
            [new(Features.LinkRisk.ReasonCodes.Shortener, Features.LinkRisk.Risk.Caution, "bit.ly is a URL shortener")], "href", "<b>詳細</b>", 2);

        var table = context.Render<Features.LinkRisk.LinkResultsTable>(p => p.Add(c => c.Links, [link]));

        Assert.Contains("注意", table.Find(".risk-chip").TextContent);
        Assert.Contains("短縮URL", table.Find(".link-reason").TextContent);
        Assert.Contains("「<b>詳細</b>」 · ×2", table.Find(".link-url").TextContent);
        Assert.Empty(table.FindAll(".chain-table"));
        table.Find(".chain-toggle").Click();
        var hops = table.FindAll(".chain-table tr");
        Assert.Equal(2, hops.Count);
        Assert.Contains("301", hops[0].TextContent);
    }

}
