import numpy as np


def maxout_forward(x, w, b):
    """
    Computes the forward pass for a maxout layer (Goodfellow et al. 2013): the largest
    of k affine pieces, max(x w_1 + b_1, ..., x w_k + b_k), elementwise.

    Inputs:
    - x: A numpy array of shape (N, D)
    - w: A numpy array of weights, of shape (k, D, M): w[j] is piece j's weights
    - b: A numpy array of biases, of shape (k, M)

    Returns a tuple of:
    - out: output, of shape (N, M): out[n, m] = max_j (x w[j] + b[j])[n, m]
    - cache: (x, w, b, winner), winner[n, m] the index of the piece that gave out[n, m]
      (the first of equal maxima, as np.argmax picks)
    """
    pieces = np.stack([x @ w[j] + b[j] for j in range(w.shape[0])])
    winner = np.argmax(pieces, axis=0)
    out = np.max(pieces, axis=0)
    cache = (x, w, b, winner)
    return out, cache


def maxout_backward(dout, cache):
    """
    Computes the backward pass for a maxout layer: the upstream derivative of each
    output flows to the winning piece only.

    Inputs:
    - dout: Upstream derivative, of shape (N, M)
    - cache: (x, w, b, winner) from maxout_forward

    Returns a tuple of:
    - dx: Gradient with respect to x, of shape (N, D)
    - dw: Gradient with respect to w, of shape (k, D, M)
    - db: Gradient with respect to b, of shape (k, M)
    """
    x, w, b, winner = cache
    dx = np.zeros_like(x)
    dw = np.zeros_like(w)
    db = np.zeros_like(b)
    for j in range(w.shape[0]):
        dpiece = np.where(winner == j, dout, 0)
        dx += dpiece @ w[j].T
        dw[j] = x.T @ dpiece
        db[j] = dpiece.sum(axis=0)
    return dx, dw, db
