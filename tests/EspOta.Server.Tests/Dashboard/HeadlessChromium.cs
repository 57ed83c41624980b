using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace EspOta.Server.Tests.Dashboard;

/// <summary>
/// Debian's chromium driven through its chromedriver (no browser download): a fresh profile per
/// instance, screenshots into <c>TestResults/screenshots</c> at the repository root.
/// </summary>
internal sealed class HeadlessChromium : IDisposable
{
    public const string Browser = "/usr/bin/chromium";
    public const string Driver = "/usr/bin/chromedriver";

    private readonly string _profile;

    private HeadlessChromium()
    {
        _profile = Path.Combine(Path.GetTempPath(), "esp-ota-chromium-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_profile);
        var options = new ChromeOptions { BinaryLocation = Browser };
        options.AddArguments(
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--window-size=1400,1000", $"--user-data-dir={_profile}");
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(Driver)!, Path.GetFileName(Driver));
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        Driver_ = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
        Driver_.Manage().Timeouts().PageLoad = TimeSpan.FromSeconds(30);
    }

    public ChromeDriver Driver_ { get; }

    /// <summary>The browser, or null when it is not installed and this is not CI (under CI=true a missing browser fails the test).</summary>
    public static HeadlessChromium? TryStart()
    {
        if (!File.Exists(Browser) || !File.Exists(Driver))
        {
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                Assert.Fail($"{Browser} and {Driver} are required under CI (apt-get install chromium chromium-driver; .ci/run does)");
            }

            Console.Error.WriteLine($"note: {Browser} or {Driver} missing, the browser test is left out (apt-get install chromium chromium-driver)");
            return null;
        }

        return new HeadlessChromium();
    }

    public static string ScreenshotFolder
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "EspOta.slnx")))
                {
                    return Path.Combine(dir.FullName, "TestResults", "screenshots");
                }
            }

            return Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots");
        }
    }

    public void Go(Uri url) => Driver_.Navigate().GoToUrl(url);

    public IWebElement Find(string css) => Driver_.FindElement(By.CssSelector(css));

    public IReadOnlyList<IWebElement> FindAll(string css) => Driver_.FindElements(By.CssSelector(css));

    /// <summary>
    /// Reads from a page that refreshes itself: a read that a refresh made stale (the element found,
    /// then replaced) is made again, through <see cref="WaitFor"/>.
    /// </summary>
    public T Read<T>(Func<T> read, string what = "a read of the refreshing page")
    {
        T value = default!;
        WaitFor(
            () =>
            {
                value = read();
                return true;
            },
            what);
        return value;
    }

    /// <summary>Waits up to <paramref name="seconds"/> for <paramref name="condition"/>; fails with <paramref name="what"/> and a screenshot otherwise.</summary>
    public void WaitFor(Func<bool> condition, string what, int seconds = 30)
    {
        var wait = new WebDriverWait(Driver_, TimeSpan.FromSeconds(seconds)) { PollingInterval = TimeSpan.FromMilliseconds(200) };
        wait.IgnoreExceptionTypes(typeof(NoSuchElementException), typeof(StaleElementReferenceException));
        try
        {
            wait.Until(_ => condition());
        }
        catch (WebDriverTimeoutException)
        {
            string shot = Screenshot("timeout-" + new string(what.Where(char.IsLetterOrDigit).Take(40).ToArray()));
            Assert.Fail($"timed out waiting for {what} on {Driver_.Url} (screenshot {shot})");
        }
    }

    public string Screenshot(string name)
    {
        Directory.CreateDirectory(ScreenshotFolder);
        string path = Path.Combine(ScreenshotFolder, name + ".png");
        Driver_.GetScreenshot().SaveAsFile(path);
        return path;
    }

    public void Dispose()
    {
        Driver_.Quit();
        Driver_.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // A profile file still held by an exiting child process; the temp folder is cleaned by the OS.
        }
    }
}
