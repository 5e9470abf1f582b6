using System.Globalization;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using PrPortal.Features.LinkRisk;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Components;

/// <summary>The resend dialog's link check, over the demo portal's stored releases and its sandbox web.</summary>
[Trait("Category", "Components")]
public sealed class ReleaseLinksPanelTests(DemoPortalFactory portal) : IClassFixture<DemoPortalFactory>
{
    private async Task<(BunitContext Context, IRenderedComponent<ReleaseLinksPanel> Panel, List<bool> Cleared)> RenderAsync(params int[] releases)
    {
        var context = new BunitContext();
        context.Services.AddLocalization();
        context.Services.AddMudServices();
        context.Services.AddSingleton(portal.Service<LinkCheckService>());
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = new CultureInfo("ja-JP");
        var cleared = new List<bool>();
        var panel = context.Render<ReleaseLinksPanel>(p => p
            .Add(c => c.ReleaseIds, releases)
            .Add(c => c.ClearedChanged, (bool value) => cleared.Add(value)));
        await panel.WaitForAssertionAsync(() => Assert.NotEmpty(panel.FindAll("#resend-links-verdict")), TimeSpan.FromSeconds(30));
        return (context, panel, cleared);
    }

    [Fact]
    public async Task Dangerous_links_hold_the_batch_until_someone_says_send_anyway()
    {
        var (context, panel, cleared) = await RenderAsync(1, 13);
        await using var _ = context;

        Assert.Contains("危険なリンクが", panel.Find("#resend-links-verdict").TextContent);
        // Only the release with risky links is listed, with its risky links.
        Assert.Equal(["#13"], panel.FindAll(".release-heading b").Select(b => b.TextContent));
        Assert.All(panel.FindAll(".risk-chip"), chip => Assert.DoesNotContain("問題なし", chip.TextContent));
        Assert.Equal([false], cleared);
        panel.Find(".resend-send-anyway input").Change(true);
        // The box's handler runs on the renderer's dispatcher: wait for it rather than race it.
        panel.WaitForAssertion(() => Assert.Equal([false, true], cleared), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Clean_releases_clear_the_batch_at_once()
    {
        var (context, panel, cleared) = await RenderAsync(1);
        await using var _ = context;

        Assert.Contains("問題はありません", panel.Find("#resend-links-verdict").TextContent);
        Assert.Empty(panel.FindAll(".resend-send-anyway"));
        Assert.Equal([true], cleared);
    }
}
