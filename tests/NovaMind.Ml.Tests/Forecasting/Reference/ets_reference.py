#!/usr/bin/python3
"""Reference values for ExponentialSmoothingTests, from statsmodels' ETSModel (Debian python3-statsmodels 0.13.5).

Series: the test's 84 days (reference_series.py). Run: /usr/bin/python3 ets_reference.py
"""
import numpy as np
from reference_series import series
from statsmodels.tsa.exponential_smoothing.ets import ETSModel

y = series()
# 1. Log-likelihood at fixed parameters: (alpha, beta, gamma, phi, l0, b0, s[-1] .. s[-7]).
fixed = ETSModel(y, error="add", trend="add", damped_trend=True, seasonal="add", seasonal_periods=7)
params = [0.3, 0.05, 0.1, 0.9, 5.0, 0.02, 1.0, -0.5, 0.25, 0.0, -1.25, 0.75, -0.25]
print("loglike AAdA fixed", repr(fixed.loglike(np.array(params))))
# 2. Maximum-likelihood fits of each variant: llf, and the forecasts for 1..7 days.
for trend, damped, seasonal in [(None, False, None), ("add", False, None), ("add", True, None), (None, False, "add"), ("add", False, "add"), ("add", True, "add")]:
    model = ETSModel(y, error="add", trend=trend, damped_trend=damped, seasonal=seasonal, seasonal_periods=7 if seasonal else None)
    fit = model.fit(disp=False, maxiter=10000)
    print(fit.short_name if hasattr(fit, "short_name") else (trend, damped, seasonal), "llf", repr(fit.llf), "params", [round(p, 6) for p in fit.params],
          "forecast", [repr(round(v, 6)) for v in fit.forecast(7)])
# 3. Trended non-seasonal models have two modes on this series; statsmodels' default start stops in the worse one.
#    Started at the optimum NovaMind finds, statsmodels stays there (its log-likelihood confirms the better mode).
#    The same holds for the damped seasonal model.
for damped, seasonal, start in [
        (False, None, [0.0001, 1e-8, 5.045035490670429, 0.010471928631976766]),
        (True, None, [0.0001, 1e-8, 0.98, 4.921435131533555, 0.022166488078113455]),
        (True, "add", [0.0001, 1e-8, 9.999e-05, 0.98, 4.70767110462875, 0.02772892534226215, -1.2341411023929496, -1.1956563138865768,
                       -0.4299223446937096, 0.6054327190357832, 1.5890226758646153, 1.1627247209522371, 0.0])]:
    model = ETSModel(y, error="add", trend="add", damped_trend=damped, seasonal=seasonal, seasonal_periods=7 if seasonal else None)
    fit = model.fit(start_params=np.array(start), disp=False)
    print("damped" if damped else "additive", "trend", seasonal, "better mode: llf", repr(fit.llf), "forecast", [repr(round(v, 6)) for v in fit.forecast(7)])
