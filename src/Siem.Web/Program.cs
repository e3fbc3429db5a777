using Siem.Store;
using Siem.Web.Hosting;

var builder = WebApplication.CreateBuilder(Deployment.Options(args));
builder.AddSiemWeb();
builder.Build().UseSiemWeb().Run();

/// <summary>Entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
