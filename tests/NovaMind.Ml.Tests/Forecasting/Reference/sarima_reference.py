#!/usr/bin/python3
"""Reference values for SeasonalArimaTests, from statsmodels' SARIMAX (Debian python3-statsmodels 0.13.5).

Series: the same 84 days as ets_reference.py. Run: /usr/bin/python3 sarima_reference.py
"""
import warnings
import numpy as np
from reference_series import series
from statsmodels.tsa.statespace.sarimax import SARIMAX
warnings.simplefilter("ignore")

y = series()
# 1. Exact log-likelihood at given parameters (mean 5 removed; stationary initial covariance), with a missing day too.
for order, seasonal, params in [((1, 0, 0), (1, 0, 0, 7), [0.3, 0.5, 1.2]), ((1, 0, 1), (1, 0, 1, 7), [0.3, -0.2, 0.5, 0.25, 1.2])]:
    model = SARIMAX(y - 5, order=order, seasonal_order=seasonal, trend="n")
    print(order, seasonal, "loglike", repr(model.loglike(np.array(params))))
    gappy = (y - 5).copy(); gappy[[10, 11, 40]] = np.nan
    print(order, seasonal, "loglike with days 10, 11, 40 missing", repr(SARIMAX(gappy, order=order, seasonal_order=seasonal, trend="n").loglike(np.array(params))))
# 2. Maximum likelihood with a constant (statsmodels' intercept form; the maximum equals that of the mean form).
for order, seasonal in [((1, 0, 0), (1, 0, 0, 7)), ((0, 0, 1), (1, 0, 0, 7)), ((1, 0, 0), (0, 0, 1, 7))]:
    fit = SARIMAX(y, order=order, seasonal_order=seasonal, trend="c").fit(disp=False, maxiter=1000)
    print(order, seasonal, "llf", repr(fit.llf), "forecast", [repr(round(v, 6)) for v in fit.forecast(3)])
