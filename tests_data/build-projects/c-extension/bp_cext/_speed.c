#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *
hello(PyObject *self, PyObject *unused)
{
    return PyUnicode_FromString("c-extension");
}

static PyMethodDef speed_methods[] = {
    {"hello", hello, METH_NOARGS, "Return the marker string \"c-extension\"."},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef speed_module = {
    PyModuleDef_HEAD_INIT, "bp_cext._speed", NULL, -1, speed_methods
};

PyMODINIT_FUNC
PyInit__speed(void)
{
    return PyModule_Create(&speed_module);
}
