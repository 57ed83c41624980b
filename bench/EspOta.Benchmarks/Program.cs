using BenchmarkDotNet.Running;

namespace EspOta.Benchmarks;

internal static class Program
{
    // dotnet run -c Release --project bench/EspOta.Benchmarks -- --filter '*'
    // dotnet run -c Release --project bench/EspOta.Benchmarks -- fleet [devices] [image bytes]
    private static int Main(string[] args)
    {
        if (args is ["fleet", .. var rest])
        {
            return Http.FleetLoadRun.RunAsync(rest).GetAwaiter().GetResult();
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
