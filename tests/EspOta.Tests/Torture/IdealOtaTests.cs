using EspOta.Torture;

namespace EspOta.Tests.Torture;

public sealed class IdealOtaTests
{
    [Fact]
    public void AfterBoot_RollbackOnUnconfirmedUpdate_GetsOneTrialThenRollsBack()
    {
        var ideal = new IdealOta(Rollback: true, "app-0", null, null, false).AfterSelect("app-1");

        Assert.Equal("app-1", ideal.ExpectedBoot);
        var afterTrial = ideal.AfterBoot();
        Assert.True(afterTrial.TrialRan);
        Assert.Equal("app-0", afterTrial.ExpectedBoot);
        Assert.Null(afterTrial.AfterBoot().Pending);
    }

    [Fact]
    public void AfterBoot_RollbackOff_MakesTheSelectedUpdatePermanent()
    {
        var ideal = new IdealOta(Rollback: false, "app-0", null, null, false).AfterSelect("app-1").AfterBoot();

        Assert.Equal("app-1", ideal.Confirmed);
        Assert.Equal("app-0", ideal.Previous);
        Assert.Equal("app-1", ideal.AfterBoot().ExpectedBoot);
    }

    [Fact]
    public void AfterMarkValid_RunningPendingUpdate_ConfirmsIt()
    {
        var ideal = new IdealOta(Rollback: true, "app-0", null, null, false).AfterSelect("app-1").AfterBoot().AfterMarkValid("app-1");

        Assert.Equal("app-1", ideal.Confirmed);
        Assert.Null(ideal.Pending);
        Assert.Equal("app-1", ideal.AfterBoot().AfterBoot().ExpectedBoot);
    }

    [Fact]
    public void AfterMarkInvalid_RunningPendingUpdate_ReturnsToTheConfirmedApp()
    {
        var ideal = new IdealOta(Rollback: true, "app-0", null, null, false).AfterSelect("app-1").AfterBoot().AfterMarkInvalid("app-1");

        Assert.Equal("app-0", ideal.ExpectedBoot);
        Assert.Null(ideal.Pending);
    }

    [Fact]
    public void AfterFactoryReset_AnyState_BootsTheFactoryApp()
    {
        var ideal = new IdealOta(Rollback: false, "app-2", "app-1", "app-3", false).AfterFactoryReset("factory");

        Assert.Equal("factory", ideal.ExpectedBoot);
        Assert.Null(ideal.Previous);
    }

    [Fact]
    public void AfterPreviousErased_WithAFactoryApp_FailedSelfTestWithoutRollbackReturnsToTheFactoryApp()
    {
        var withFactory = new IdealOta(Rollback: false, "app-2", "app-1", null, false) { Factory = "factory" };
        var without = new IdealOta(Rollback: false, "app-2", "app-1", null, false);

        Assert.Equal("factory", withFactory.AfterPreviousErased().AfterMarkInvalid("app-2").ExpectedBoot);
        Assert.Equal("app-2", without.AfterPreviousErased().AfterMarkInvalid("app-2").ExpectedBoot);
    }
}
