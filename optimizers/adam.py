"""Adam, with the AMSGrad and decoupled weight decay (AdamW) variants and lr schedules.

>>> import numpy as np
>>> opt = Adam(lr=0.1)
>>> x = np.array([1.0, -2.0]); state = opt.init(x)
>>> for _ in range(500):
...     x, state = opt.step(x, 2 * x, state)        # f = ‖x‖², g = 2x
>>> bool(np.all(np.abs(x) < 1e-3))
True
"""

from typing import NamedTuple

import numpy as np

from .objective import flattener
from .schedules import make_schedule
from .validate import check_options

__all__ = ["Adam", "AdamState"]


class AdamState(NamedTuple):
    """State of :class:`Adam`: update count, first moment ``mu``, second moment ``nu`` and,
    for AMSGrad, the running maximum ``nu_max`` (else None).

    >>> import numpy as np
    >>> Adam().init(np.zeros(2)).mu
    array([0., 0.])
    """

    count: int
    mu: object
    nu: object
    nu_max: object


class Adam:
    r"""Adam (Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015, Alg. 1).

    With gradient :math:`g_t` at update :math:`t = 1, 2, \dots`:

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \qquad
        v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,

        \hat m_t = m_t / (1-\beta_1^t), \qquad \hat v_t = v_t / (1-\beta_2^t),

        x_t = x_{t-1} - \eta_t \big( \hat m_t / (\sqrt{\hat v_t} + \epsilon)
              + \lambda x_{t-1} \big).

    :math:`\eta_t` is ``lr`` or ``schedule(t - 1)``. ``amsgrad=True`` (Reddi, Kale & Kumar,
    "On the Convergence of Adam and Beyond", ICLR 2018) replaces :math:`v_t` by its running
    maximum in :math:`\hat v_t`. ``weight_decay`` = :math:`\lambda` is decoupled from the
    gradient (AdamW: Loshchilov & Hutter, "Decoupled Weight Decay Regularization", ICLR
    2019), scaled by :math:`\eta_t` as in PyTorch's and optax's AdamW.

    ``schedule``: ``"constant"`` (default), ``"exponential"`` (:math:`\eta_t` = lr ·
    ``decay_rate``^(t-1)), ``"cosine"`` (to 0 over ``decay_steps`` updates; ``minimize``
    sets it to ``maxiter`` when not given), or a callable ``k -> learning rate``.

    >>> import numpy as np
    >>> opt = Adam(lr=0.1)
    >>> x, state = opt.step(np.array([1.0]), np.array([4.0]), opt.init(np.array([1.0])))
    >>> x     # the first step moves by lr·sign(g), whatever |g|
    array([0.9])
    """

    def __init__(self, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, amsgrad=False,
                 weight_decay=0.0, schedule="constant", decay_rate=0.999, decay_steps=None):
        given = check_options("Adam", "adam", {
            "lr": lr, "beta1": beta1, "beta2": beta2, "eps": eps, "amsgrad": amsgrad,
            "weight_decay": weight_decay, "decay_rate": decay_rate, "decay_steps": decay_steps})
        self.lr, self.beta1, self.beta2 = given["lr"], given["beta1"], given["beta2"]
        self.eps, self.amsgrad, self.weight_decay = (given["eps"], given["amsgrad"],
                                                      given["weight_decay"])
        decay_rate, decay_steps = given["decay_rate"], given["decay_steps"]
        self.schedule_name = schedule
        self.decay_steps = decay_steps
        self.schedule = make_schedule(schedule, self.lr, decay_rate,
                                      1000 if decay_steps is None else decay_steps)

    def __repr__(self):
        return (f"Adam(lr={self.lr:g}, beta1={self.beta1:g}, beta2={self.beta2:g}, "
                f"eps={self.eps:g}, amsgrad={self.amsgrad}, weight_decay={self.weight_decay:g})")

    def init(self, params):
        """Zero moments.

        >>> Adam().init(np.zeros(2)).count
        0
        """
        p = flattener(params)[0]
        zeros = np.zeros_like(p)
        return AdamState(0, zeros, zeros, zeros if self.amsgrad else None)

    def step(self, params, grads, state, **unused):
        """One update: ``(new_params, new_state)`` (extra keywords such as ``fun`` are
        accepted and ignored, so every update rule is driven the same way).

        >>> opt = Adam(lr=0.1)
        >>> x, s = opt.step(2.0, -1.0, opt.init(2.0))
        >>> round(float(x), 6), s.count
        (2.1, 1)
        """
        p, back, ravel = flattener(params)
        g = ravel(grads)
        t = state.count + 1
        b1, b2 = self.beta1, self.beta2
        mu = b1 * state.mu + (1.0 - b1) * g
        nu = b2 * state.nu + (1.0 - b2) * g * g
        nu_max = np.maximum(state.nu_max, nu) if self.amsgrad else None
        m_hat = mu / (1.0 - b1 ** t)
        v_hat = (nu_max if self.amsgrad else nu) / (1.0 - b2 ** t)
        update = m_hat / (np.sqrt(v_hat) + self.eps)
        if self.weight_decay:
            update = update + self.weight_decay * p
        lr = self.schedule(state.count)
        return back(p - lr * update), AdamState(t, mu, nu, nu_max)
