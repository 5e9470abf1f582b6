using System.Net;
using System.Net.Sockets;
using Microsoft.Playwright;

namespace PrPortal.Tests.Support;

/// <summary>
/// The portal with its small demo world on a real Kestrel port, and Debian's Chromium driven by
/// Playwright. Screenshots go to TestResults/screenshots at the repository root.
/// </summary>
public class BrowserPortal : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private readonly ScheduledDemoPortalFactory _portal;

    public BrowserPortal() : this(null)
    {
    }

    /// <summary>The same portal with more settings (a followed log, say).</summary>
    protected BrowserPortal(IReadOnlyDictionary<string, string>? settings) => _portal = new ScheduledDemoPortalFactory(settings);
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = default!;
    public string BaseUrl { get; private set; } = "";
    public PortalFactory Portal => _portal;
    public static string ScreenshotFolder { get; } = Path.Combine(RepositoryPaths.Root, "TestResults", "screenshots");

    public async Task InitializeAsync()
    {
        var port = LoopbackPorts.Free();
        _portal.UseKestrel(port);
        _portal.StartServer();
        BaseUrl = $"http://127.0.0.1:{port}";

        // Playwright sets Console.OutputEncoding as it starts, which flushes the console's writers under the
        // console's own lock, while a portal logging on another thread holds a writer and wants that lock: both
        // wait for ever. Holding both writers first makes the order one and the same.
        Task<IPlaywright> creating;
        lock (Console.Out)
        {
            lock (Console.Error)
            {
                creating = Playwright.CreateAsync();
            }
        }
        _playwright = await creating;
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"],
        });
        Directory.CreateDirectory(ScreenshotFolder);
        // A page under a loaded machine (the whole suite on two cores) may take more than Playwright's 5 s to
        // show what it will show; expectations wait as long as actions do.
        Assertions.SetDefaultExpectTimeout(15_000);
    }

    public async Task<IPage> NewPageAsync(int width = 1366, int height = 768)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseUrl,
            ViewportSize = new ViewportSize { Width = width, Height = height },
            Locale = "ja-JP",
            TimezoneId = "Asia/Tokyo",
        });
        context.SetDefaultTimeout(15_000);
        return await context.NewPageAsync();
    }

    /// <summary>Fills the login form and submits it, as a user does.</summary>
    public static async Task SignInAsync(IPage page, string email, string password)
    {
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", password);
        await page.ClickAsync("#login-form button[type=submit]");
    }

    /// <summary>Waits until the page's live connection is up, so clicks reach the server.</summary>
    public static Task WaitForCircuitAsync(IPage page) =>
        page.Locator("#circuit-ready").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });

    /// <summary>Fails when the element is wider than its box: a table whose last columns are scrolled off-screen.</summary>
    public static async Task AssertNotScrolledAsync(IPage page, string selector)
    {
        var size = await page.EvaluateAsync<int[]>("s => { const e = document.querySelector(s); return [e.scrollWidth, e.clientWidth]; }", selector);
        var columns = size[0] <= size[1] + 1 ? "" : await page.EvaluateAsync<string>(
            "s => [...document.querySelector(s).querySelectorAll('th')].map(t => t.innerText.trim() + ' ' + Math.round(t.getBoundingClientRect().width)).join(', ')", selector);
        Xunit.Assert.True(size[0] <= size[1] + 1, $"{selector} is {size[0]} px wide in a {size[1]} px box (columns: {columns})");
    }

    public static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder, name + ".png"), FullPage = true });

    public virtual async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright?.Dispose();
        await _portal.DisposeAsync();
    }

}
