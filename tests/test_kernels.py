"""Every fast kernel equals its plain-loop reference (``backprop_tour.reference``).

One parametrised test runs each named operation of ``kernels/`` on many shapes: strides 1
to 3, paddings 0 to 2, non-square kernels, several channels and filters, inputs narrow
(row strips) and wide (col2im), windows kept both ways (row strips, im2col) on every shape,
and for max-pooling integer inputs where most windows tie.
"""

import numpy as np
import pytest

from backprop_tour import kernels, reference
from backprop_tour.conv import crop2d, pad2d

# (x shape, filters, kernel, stride, padding)
CONV_CASES = [
    ((3, 1, 28, 28), 2, (5, 5), 1, 0),  # the book's CNN
    ((2, 3, 7, 6), 4, (3, 2), 1, 1),
    ((2, 2, 8, 9), 3, (3, 3), 2, 0),
    ((1, 2, 6, 5), 1, (2, 3), 3, 2),
    ((2, 1, 5, 5), 2, (5, 5), 1, 2),
    ((1, 1, 9, 40), 2, (3, 3), 1, 0),  # wider than 8 kernels: full_convolve takes col2im
    ((2, 1, 7, 7), 6, (3, 3), 2, 1),  # more than 4 filters: one matrix product
    ((1, 3, 10, 11), 5, (1, 4), 3, 1),
    ((4, 2, 4, 4), 1, (4, 4), 1, 0),  # the kernel covers the input: one output pixel
    ((2, 3, 11, 20), 4, (3, 3), 2, 1),  # two row strips of 5 columns; a column never read
    ((1, 2, 7, 20), 2, (2, 2), 3, 2),  # two strips of 4, stride 3: wide for the layer
    ((3, 1, 5, 12), 1, (2, 1), 1, 0),  # six strips of 2 columns
]
# (x shape, size, stride)
POOL_CASES = [
    ((3, 2, 24, 24), 2, 2),  # the book's CNN: windows tile the input
    ((2, 1, 7, 9), 2, 2),  # a row and a column that no window reaches
    ((2, 2, 6, 6), 3, 1),  # overlapping windows
    ((1, 3, 9, 8), 3, 2),  # overlapping, untiled
    ((2, 1, 5, 5), 2, 3),  # gaps between windows
    ((1, 1, 4, 4), 4, 1),  # one window
    ((2, 2, 5, 7), 1, 1),  # size 1: the identity
]


def conv_arrays(case):
    shape, filters, kernel, stride, padding = case
    rng = np.random.default_rng(sum(shape) + 7 * stride + padding)
    x = rng.standard_normal(shape)
    w = rng.standard_normal((filters, shape[1], *kernel))
    b = rng.standard_normal(filters)
    out = reference.conv2d_forward_loops(x, w, b, stride, padding)
    dout = rng.standard_normal(out.shape)
    return x, w, b, out, dout, stride, padding


def correlate_by(by_rows):  # None: the layer's choice of windows
    def run(case):
        x, w, b, out, _, stride, padding = conv_arrays(case)
        xw = kernels.windows(pad2d(x, padding), w.shape[2:], stride, by_rows)
        assert by_rows is None or (xw.rows is not None) == by_rows  # the way asked for
        return kernels.correlate(xw, w, b), out

    return run


def correlate_dout_by(by_rows):
    def run(case):
        x, w, _, _, dout, stride, padding = conv_arrays(case)
        xw = kernels.windows(pad2d(x, padding), w.shape[2:], stride, by_rows)
        return kernels.correlate_dout(xw, dout), reference.conv2d_backward_loops(
            x, w, dout, stride, padding
        )[1]

    return run


def full_convolve_by(way):
    def run(case):
        x, w, _, _, dout, stride, padding = conv_arrays(case)
        dxp = way(dout, w, pad2d(x, padding).shape, stride)
        return crop2d(dxp, padding), reference.conv2d_backward_loops(x, w, dout, stride, padding)[0]

    return run


def full_convolve(dout, w, padded_shape, stride):
    return kernels.full_convolve(dout, w, stride, padded_shape)  # the layer's choice of way


def strips_of(b_cols):  # full_convolve_strips with strips of b_cols output columns
    def way(dout, w, padded_shape, stride):
        return kernels.full_convolve_strips(dout, w, padded_shape, stride, b_cols)

    return way


def pool_arrays(case):
    shape, size, stride = case
    rng = np.random.default_rng(sum(shape) + size + stride)
    x = rng.integers(0, 3, shape).astype(float)  # values in {0, 1, 2}: most windows tie
    out = reference.maxpool2d_forward_loops(x, size, stride)
    return x, rng.standard_normal(out.shape), out, size, stride


def pool_max(case):
    x, _, out, size, stride = pool_arrays(case)
    return kernels.pool_taps(x, size, stride).max(axis=0), out


def route_to_max(case):
    x, dout, _, size, stride = pool_arrays(case)
    taps = kernels.pool_taps(x, size, stride)
    out = taps.max(axis=0)
    return kernels.route_to_max(dout, taps, out, x.shape, size, stride), (
        reference.maxpool2d_backward_loops(x, dout, size, stride)
    )


KERNELS = {  # name: (kernel vs reference on one case, its cases, the reference's name)
    "correlate": (correlate_by(None), CONV_CASES, "conv2d_forward_loops"),
    "correlate_rows": (correlate_by(True), CONV_CASES, "conv2d_forward_loops"),
    "correlate im2col": (correlate_by(False), CONV_CASES, "conv2d_forward_loops"),
    "correlate_dout": (correlate_dout_by(None), CONV_CASES, "conv2d_backward_loops dw"),
    "correlate_dout_rows": (correlate_dout_by(True), CONV_CASES, "conv2d_backward_loops dw"),
    "correlate_dout im2col": (correlate_dout_by(False), CONV_CASES, "conv2d_backward_loops dw"),
    "full_convolve": (full_convolve_by(full_convolve), CONV_CASES, "conv2d_backward_loops dx"),
    "full_convolve_rows": (
        full_convolve_by(kernels.full_convolve_rows),
        CONV_CASES,
        "conv2d_backward_loops dx",
    ),
    "full_convolve_col2im": (
        full_convolve_by(kernels.full_convolve_col2im),
        CONV_CASES,
        "conv2d_backward_loops dx",
    ),
    "full_convolve_strips": (
        full_convolve_by(kernels.full_convolve_strips),  # dx_strip_width's strips
        CONV_CASES,
        "conv2d_backward_loops dx",
    ),
    # strips that divide W_out on some cases and not on others (the last strip part zeros),
    # one column wide, and wider than W_out
    **{
        f"full_convolve_strips B={b}": (
            full_convolve_by(strips_of(b)),
            CONV_CASES,
            "conv2d_backward_loops dx",
        )
        for b in (1, 2, 3, 5, 7)
    },
    "pool_taps max": (pool_max, POOL_CASES, "maxpool2d_forward_loops"),
    "route_to_max": (route_to_max, POOL_CASES, "maxpool2d_backward_loops"),
}


@pytest.mark.parametrize(
    "name, case",
    [(name, case) for name, (_, cases, _) in KERNELS.items() for case in cases],
    ids=lambda v: v if isinstance(v, str) else "-".join(map(str, v)),
)
def test_kernel_equals_its_reference(name, case):
    run, _, ref = KERNELS[name]
    got, expected = run(case)
    assert got.shape == expected.shape, (
        f"{name}: shape {got.shape}, reference {ref}: {expected.shape}"
    )
    np.testing.assert_allclose(
        got, expected, rtol=1e-12, atol=1e-12, err_msg=f"kernel {name} vs reference {ref}"
    )


def test_both_input_gradient_ways_are_used():
    """The cases above reach both branches of full_convolve (else one way goes untested
    as the layer runs it)."""
    chosen = {kernels.band_pays(shape[3] + 2 * p, k[1]) for shape, _, k, _, p in CONV_CASES}
    assert chosen == {True, False}


def test_row_bands_by_hand():
    w = np.array([[[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]]])  # one filter, two kernel rows
    bands = kernels.row_bands(w, w_out=2, wp=5, stride=2)
    # output column j reads input columns 2j, 2j+1, 2j+2; one band per kernel row
    np.testing.assert_array_equal(bands[0], [[1, 2, 3, 0, 0], [0, 0, 1, 2, 3]])
    np.testing.assert_array_equal(bands[1], [[4, 5, 6, 0, 0], [0, 0, 4, 5, 6]])
    two = kernels.row_bands(np.stack([w[0], 10 * w[0]]), w_out=3, wp=5, stride=1)
    # rows (filter, output column): the second filter's band below the first's
    np.testing.assert_array_equal(
        two[0, 3:], 10 * np.array([[1, 2, 3, 0, 0], [0, 1, 2, 3, 0], [0, 0, 1, 2, 3]])
    )


def test_row_strips_by_hand():
    x = np.arange(2 * 1 * 4 * 7, dtype=float).reshape(2, 1, 4, 7)
    rows = kernels.stack_rows(x, 2, 3, 1)  # H_out 3, W_out 5: one strip of B = 5 columns
    assert kernels.strip_width(5, 3) == 5 and rows.shape == (2 * 3 * 1, 2 * 1 * 7)
    np.testing.assert_array_equal(rows[4], np.concatenate([x[1, 0, 1], x[1, 0, 2]]))
    rows = kernels.stack_rows(x, 1, 1, 2)  # stride 2: W_out 4, strips of B = 2 columns
    assert kernels.strip_width(4, 1) == 2 and rows.shape == (2 * 2 * 2, 3)
    np.testing.assert_array_equal(rows[3], x[0, 0, 2, 4:7])  # n 0, i 1, strip 1
    assert kernels.strip_width(24, 5) == 8  # the book's CNN
    assert kernels.strip_width(7, 3) == 1 and kernels.strip_width(7, 4) == 7  # a prime W_out


def test_strip_put_back_by_hand():
    # one image, one channel, Hp x Wp = 3 x 6, a 2 x 3 kernel at stride 1: H_out 2, W_out 4;
    # strips of B = 2 output columns read Wb = 4 input columns, the next strip 2 further on
    grad = np.zeros((2, 2 * 1 * 4, 3 * 1))  # (n_B, KH*C*Wb, Hp*N): [jb, (q, c, x), (y, n)]
    grad[0, 0 * 4 + 1, 0] = 1.0  # strip 0, kernel row 0, x 1, rows from y 0 -> pixel (0, 1)
    grad[1, 1 * 4 + 2, 1] = 10.0  # strip 1, kernel row 1, x 2, y 1 -> pixel (2, 2*1 + 2)
    grad[0, 1 * 4 + 3, 0] = 100.0  # strip 0, kernel row 1, x 3, y 0 -> pixel (1, 3)
    grad[1, 0 * 4 + 1, 0] = 1000.0  # strip 1, kernel row 0, x 1, y 0 -> pixel (0, 3)
    grad[1, 1 * 4 + 1, 0] = 5.0  # strip 1, kernel row 1, x 1, y 0 -> pixel (1, 3): adds up
    dxp = kernels.strip_put_back(grad, (1, 1, 3, 6), (2, 3), 1, 2)
    expected = np.zeros((1, 1, 3, 6))
    expected[0, 0, 0, 1] = 1.0
    expected[0, 0, 2, 4] = 10.0
    expected[0, 0, 1, 3] = 105.0
    expected[0, 0, 0, 3] = 1000.0
    np.testing.assert_array_equal(dxp, expected)
    # every entry at once: a pixel gets one share per (strip, kernel row, x, y) reaching it
    ones = np.ones((2, 8, 3))
    ones[:, :, 2] = 0  # no output row starts at y 2 (H_out 2)
    counts = kernels.strip_put_back(ones, (1, 1, 3, 6), (2, 3), 1, 2)[0, 0]
    np.testing.assert_array_equal(counts, np.outer([1, 2, 1], [1, 1, 2, 2, 1, 1]))


def test_strip_put_back_is_the_adjoint_of_stack_rows(rng):
    """<stack_rows(x), g> = <x, strip_put_back(g)>: the put-back sends each strip entry's
    gradient exactly where stack_rows copied that entry from.  Stride 1: strips of 2
    columns; stride 2: of 1, and a last column no window reads."""
    n_batch, hp, wp, kh, kw = 2, 9, 15, 3, 2
    for stride in (1, 2):
        x = rng.standard_normal((n_batch, 3, hp, wp))
        rows = kernels.stack_rows(x, kh, kw, stride)  # [(n, i, jb), (q, c, x)]
        h_out, w_out = (hp - kh) // stride + 1, (wp - kw) // stride + 1
        b = kernels.strip_width(w_out, kw)
        g = rng.standard_normal(rows.shape)
        # the same entries in the put-back's layout, [jb, (q, c, x), (y, n)], y = i*stride
        g_t = np.zeros((w_out // b, rows.shape[1], hp, n_batch))
        by_strip = g.reshape(n_batch, h_out, w_out // b, -1).transpose(2, 3, 1, 0)
        g_t[:, :, 0 : stride * h_out : stride] = by_strip
        g_t = g_t.reshape(w_out // b, rows.shape[1], hp * n_batch)
        back = kernels.strip_put_back(g_t, x.shape, (kh, kw), stride, b)
        np.testing.assert_allclose(np.sum(rows * g), np.sum(x * back), rtol=1e-12)


def test_dx_strip_width():
    assert kernels.dx_strip_width(24, 5) == 8  # the book's CNN: the forward's strips
    assert kernels.dx_strip_width(23, 5) == 10  # a prime width: 2*KW, the last strip part zeros
    assert kernels.dx_strip_width(3, 5) == 3  # narrower than the kernel: one strip


def test_strided_view_is_as_strided_and_checks_its_bounds():
    from numpy.lib.stride_tricks import as_strided

    from backprop_tour.kernels.views import strided_view

    a = np.arange(12.0)
    windows = strided_view(a, (4, 5), (16, 8))  # 4 overlapping windows of 5, 2 apart
    np.testing.assert_array_equal(windows, as_strided(a, (4, 5), (16, 8)))
    assert windows[3, 4] == 10.0
    every_other = a[::2]  # not contiguous: through as_strided
    np.testing.assert_array_equal(strided_view(every_other, (2, 2), (16, 16)), [[0, 2], [2, 4]])
    with pytest.raises(ValueError):
        strided_view(a, (4, 5), (32, 8))  # would read a[13]
    target = np.zeros(4)
    strided_view(target, (2,), (16,))[...] = 1.0  # writes go to the array
    np.testing.assert_array_equal(target, [1, 0, 1, 0])


def test_row_bands_are_used_for_narrow_inputs_only():
    assert kernels.band_pays(28, 5)  # the book's digits
    assert not kernels.band_pays(224, 3)


def test_im2col_columns_run_over_the_batch_innermost(rng):
    x = rng.standard_normal((3, 2, 5, 4))
    cols = kernels.im2col(x, 2, 3, 1)  # (C*KH*KW, H_out*W_out*N) = (12, 4*2*3)
    h_out, w_out = 4, 2
    for c, q, r, i, j, n in [(0, 0, 0, 0, 0, 0), (1, 1, 2, 3, 1, 2), (0, 1, 0, 2, 1, 1)]:
        assert cols[(c * 2 + q) * 3 + r, (i * w_out + j) * 3 + n] == x[n, c, i + q, j + r]
    assert cols.shape == (12, h_out * w_out * 3)
    assert kernels.windows(x, (2, 3), 1).out_size == (h_out, w_out)


@pytest.mark.parametrize("filters", [1, 2, 4, 5, 9])
def test_few_rows_matmul_is_a_matrix_product(rng, filters):
    a, b = rng.standard_normal((filters, 7)), rng.standard_normal((7, 11))
    np.testing.assert_allclose(kernels.few_rows_matmul(a, b), a @ b, rtol=1e-12, atol=1e-12)


def test_windows_never_share_a_buffer_that_is_still_held(rng):
    """windows() refills a buffer only when nothing holds it any more: two live Windows
    (two layers, or a layer's cache during its next forward) never share memory."""
    x = rng.standard_normal((2, 1, 9, 9))
    first = kernels.windows(x, (3, 3), 1, by_rows=False)
    second = kernels.windows(x, (3, 3), 1, by_rows=False)
    assert not np.shares_memory(first.cols, second.cols)
    view = second.cols[:2]  # a view keeps its buffer held too
    del second
    third = kernels.windows(2 * x, (3, 3), 1, by_rows=False)
    assert not np.shares_memory(third.cols, view) and not np.shares_memory(third.cols, first.cols)
    np.testing.assert_array_equal(first.cols, kernels.im2col(x, 3, 3, 1))  # untouched
    held = third.cols
    del third, held, view
    fourth = kernels.windows(x, (3, 3), 1, by_rows=False)  # a buffer nobody holds is filled again
    assert any(fourth.cols is kept for kept in kernels.columns._BUFFERS.kept[fourth.cols.shape])
